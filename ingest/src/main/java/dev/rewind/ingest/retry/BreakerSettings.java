package dev.rewind.ingest.retry;

import dev.rewind.protocol.config.ConfigException;

/**
 * The circuit breaker each upstream has: it opens when at least {@code failureRatePercent} of the
 * last {@code window} calls failed (once {@code minimumCalls} were made), stays open for
 * {@code openMs}, then lets {@code halfOpenCalls} probes through. While it is open a new attempt
 * either waits ({@code whenOpen: wait}, at most {@code maxWaitMs}, so that sessions of a failing
 * upstream do not hold the worker's stream slots from the sessions of healthy ones for the whole
 * retry budget) or the session fails at once with {@code error{code: upstream_circuit_open}}
 * ({@code whenOpen: fail}).
 */
public record BreakerSettings(
        float failureRatePercent, int window, int minimumCalls, long openMs, int halfOpenCalls, WhenOpen whenOpen,
        long maxWaitMs) {

    public enum WhenOpen {
        WAIT,
        FAIL;

        @com.fasterxml.jackson.annotation.JsonCreator
        static WhenOpen of(String value) {
            return switch (value) {
                case "wait" -> WAIT;
                case "fail" -> FAIL;
                default -> throw new IllegalArgumentException("must be wait or fail, was " + value);
            };
        }
    }

    public BreakerSettings {
        ConfigException.check(failureRatePercent > 0 && failureRatePercent <= 100, "failure_rate_percent", "must be 1..100");
        ConfigException.check(window >= 1, "window", "must be at least 1");
        ConfigException.check(minimumCalls >= 1 && minimumCalls <= window, "minimum_calls", "must be 1..window");
        ConfigException.check(openMs >= 100, "open_ms", "must be at least 100");
        ConfigException.check(halfOpenCalls >= 1, "half_open_calls", "must be at least 1");
        ConfigException.check(whenOpen != null, "when_open", "must be wait or fail");
        ConfigException.check(maxWaitMs >= 0, "max_wait_ms", "must be 0 or more");
    }
}
