package dev.rewind.sim;

import java.util.Locale;

/**
 * Faults and answer shapes a request asks for, so that clients of the simulator (ingest, through
 * Rewind, can only choose the model name) meet every behaviour a real provider shows. Written after
 * {@code @} in the model name, comma-separated, e.g. {@code sim-small@status=503x2,retry-after=1};
 * the directives and their effect in each format are listed in the module README.
 */
record FaultScript(
        int status,
        int statusAttempts,
        Long retryAfterMs,
        RetryAfterForm retryAfterForm,
        Trigger disconnect,
        Trigger stall,
        Trigger error,
        int malformedAfter,
        boolean randomSplits,
        int length,
        int tokensPerSecond,
        long firstTokenDelayMs,
        Burst burst,
        int keepAliveEvery,
        int toolCalls,
        int reasoningTokens,
        boolean stamp,
        long headersDelayMs) {

    enum RetryAfterForm {
        SECONDS,
        MILLIS,
        HTTP_DATE
    }

    /** Fires after {@code afterTokens} tokens on the first {@code attempts} attempts. */
    record Trigger(int afterTokens, int attempts) {
        static final Trigger NEVER = new Trigger(-1, 0);

        boolean fires(int tokens, int attempt) {
            return afterTokens == tokens && attempt <= attempts;
        }

    }

    /** {@code tokens} tokens back to back, then a pause of {@code pauseMs}. */
    record Burst(int tokens, long pauseMs) {
        static final Burst NONE = new Burst(0, 0);
    }

    /** Bounds on what a request can ask for, so one model name cannot make the simulator plan without end. */
    static final int MAX_TOKENS = 100_000;
    static final int MAX_TOOL_CALLS = 64;
    /** As long as a stall lasts. */
    static final long MAX_PAUSE_MS = 60_000;

    static final FaultScript NONE = new Builder().build();

    /** The script in a model name, or {@link #NONE}; throws {@link IllegalArgumentException} naming a bad directive. */
    static FaultScript parse(String model) {
        int at = model == null ? -1 : model.indexOf('@');
        if (at < 0) {
            return NONE;
        }
        Builder script = new Builder();
        for (String directive : model.substring(at + 1).split(",")) {
            String[] kv = directive.strip().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("fault directive '" + directive + "' is not name=value");
            }
            script.apply(kv[0].strip().toLowerCase(Locale.ROOT), kv[1].strip());
        }
        return script.build();
    }

    /** The model name without its script. */
    static String baseModel(String model) {
        int at = model == null ? -1 : model.indexOf('@');
        return at < 0 ? model : model.substring(0, at);
    }

    /** Collects directives; each directive is one case that sets its field. */
    private static final class Builder {
        private int status;
        private int statusAttempts;
        private Long retryAfterMs;
        private RetryAfterForm retryAfterForm;
        private Trigger disconnect = Trigger.NEVER;
        private Trigger stall = Trigger.NEVER;
        private Trigger error = Trigger.NEVER;
        private int malformedAfter = -1;
        private boolean randomSplits;
        private int length;
        private int tokensPerSecond = -1;
        private long firstTokenDelayMs = -1;
        private Burst burst = Burst.NONE;
        private int keepAliveEvery;
        private int toolCalls;
        private int reasoningTokens;
        private boolean stamp;
        private long headersDelayMs;

        void apply(String name, String value) {
            switch (name) {
                case "status" -> status(times(name, value, 100, 599));
                case "retry-after" -> retryAfter(number(name, value) * 1000, RetryAfterForm.SECONDS);
                case "retry-after-ms" -> retryAfter(number(name, value), RetryAfterForm.MILLIS);
                case "retry-after-date" -> retryAfter(number(name, value) * 1000, RetryAfterForm.HTTP_DATE);
                case "disconnect-after" -> disconnect = times(name, value, 0, Integer.MAX_VALUE);
                case "stall-after" -> stall = times(name, value, 0, Integer.MAX_VALUE);
                case "error-after" -> error = times(name, value, 0, Integer.MAX_VALUE);
                case "malformed-after" -> malformedAfter = (int) number(name, value);
                case "split" -> randomSplits = word(name, value, "random");
                case "length" -> length = (int) atMost(name, number(name, value), MAX_TOKENS);
                case "tps" -> tokensPerSecond = (int) number(name, value);
                case "ttft" -> firstTokenDelayMs = atMost(name, number(name, value), MAX_PAUSE_MS);
                case "burst" -> burst = burst(name, value);
                case "keepalive" -> keepAliveEvery = (int) positive(name, value);
                case "tools" -> toolCalls = (int) atMost(name, positive(name, value), MAX_TOOL_CALLS);
                case "reasoning" -> reasoningTokens = (int) atMost(name, positive(name, value), MAX_TOKENS);
                case "stamp" -> stamp = word(name, value, "micros");
                case "headers-delay" -> headersDelayMs = atMost(name, number(name, value), MAX_PAUSE_MS);
                default -> throw new IllegalArgumentException("unknown fault directive '" + name + "'");
            }
        }

        private void status(Trigger trigger) {
            status = trigger.afterTokens();
            statusAttempts = trigger.attempts();
        }

        private void retryAfter(long millis, RetryAfterForm form) {
            retryAfterMs = millis;
            retryAfterForm = form;
        }

        FaultScript build() {
            return new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, disconnect, stall, error, malformedAfter,
                    randomSplits, length, tokensPerSecond, firstTokenDelayMs, burst, keepAliveEvery, toolCalls, reasoningTokens,
                    stamp, headersDelayMs);
        }
    }

    /** {@code VALUExN}, or {@code VALUE} alone for every attempt; VALUE within [min, max]. */
    private static Trigger times(String name, String value, int min, int max) {
        String[] parts = value.split("x", 2);
        long first = number(name, parts[0]);
        if (first < min || first > max) {
            throw new IllegalArgumentException("fault directive " + name + " needs a value in " + min + ".." + max + ", was " + parts[0]);
        }
        int attempts = parts.length == 2 ? (int) positive(name, parts[1]) : Integer.MAX_VALUE;
        return new Trigger((int) first, attempts);
    }

    /** {@code KxMS}: K tokens, then a pause of MS milliseconds. */
    private static Burst burst(String name, String value) {
        String[] parts = value.split("x", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("fault directive burst needs TOKENSxPAUSE_MS, was " + value);
        }
        return new Burst((int) positive(name, parts[0]), atMost(name, number(name, parts[1]), MAX_PAUSE_MS));
    }

    private static boolean word(String name, String value, String expected) {
        if (!value.equals(expected)) {
            throw new IllegalArgumentException("fault directive " + name + " must be " + expected + ", was " + value);
        }
        return true;
    }

    private static long atMost(String name, long n, long max) {
        if (n > max) {
            throw new IllegalArgumentException("fault directive " + name + " allows at most " + max + ", was " + n);
        }
        return n;
    }

    private static long positive(String name, String value) {
        long n = number(name, value);
        if (n == 0) {
            throw new IllegalArgumentException("fault directive " + name + " needs a positive number, was " + value);
        }
        return n;
    }

    private static long number(String name, String value) {
        try {
            long n = Long.parseLong(value);
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fault directive " + name + " needs a non-negative number, was " + value);
        }
    }
}
