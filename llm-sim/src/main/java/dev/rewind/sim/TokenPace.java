package dev.rewind.sim;

/**
 * When each token of a stream goes out: the first after {@code firstTokenDelayMs}, the others
 * {@code intervalMs} apart, and with bursts of K tokens an extra pause after every K.
 */
record TokenPace(long firstTokenDelayMs, long intervalMs, FaultScript.Burst burst) {

    /** The pace a script asks for, falling back to the configured rate and first-token delay. */
    static TokenPace of(SimConfig config, FaultScript script) {
        int tokensPerSecond = script.tokensPerSecond() >= 0 ? script.tokensPerSecond() : config.tokensPerSecond();
        long first = script.firstTokenDelayMs() >= 0 ? script.firstTokenDelayMs() : config.firstTokenDelayMs();
        return new TokenPace(first, tokensPerSecond == 0 ? 0 : 1000L / tokensPerSecond, script.burst());
    }

    /** The wait before token {@code index} (from 0). */
    long before(int index) {
        if (index == 0) {
            return firstTokenDelayMs;
        }
        boolean burstEnds = burst.tokens() > 0 && index % burst.tokens() == 0;
        return intervalMs + (burstEnds ? burst.pauseMs() : 0);
    }
}
