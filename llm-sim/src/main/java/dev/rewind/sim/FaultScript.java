package dev.rewind.sim;

import java.util.Locale;

/**
 * Faults a request asks for, so that clients of the simulator (ingest, through Rewind, can only
 * choose the model name) meet every failure a real provider produces. Written after {@code @} in
 * the model name, comma-separated, e.g. {@code sim-small@status=503x2,retry-after=1}:
 * <ul>
 *   <li>{@code status=CODExN}: answer CODE (with an OpenAI-shaped error body) to the first N
 *       attempts of this request (attempts are counted per identical request body);</li>
 *   <li>{@code retry-after=S} / {@code retry-after-ms=MS} / {@code retry-after-date=S}: send that
 *       hint with those answers (the last as an HTTP date S seconds ahead);</li>
 *   <li>{@code disconnect-after=TxN}: drop the connection after T tokens, on the first N attempts;</li>
 *   <li>{@code stall-after=TxN}: stop sending after T tokens (keeping the connection open), on the first N attempts;</li>
 *   <li>{@code error-after=TxN}: send an in-band error chunk after T tokens and end without {@code [DONE]};</li>
 *   <li>{@code malformed-after=T}: send a malformed {@code data:} line after T tokens, then go on;</li>
 *   <li>{@code split=random}: write the body in random small pieces, also inside multi-byte characters;</li>
 *   <li>{@code length=N}: answer exactly N tokens (before {@code max_tokens});</li>
 *   <li>{@code tps=N}: this request's token rate (0 = as fast as possible), instead of the configured one.</li>
 * </ul>
 */
record FaultScript(
        int status,
        int statusAttempts,
        Long retryAfterMs,
        RetryAfterForm retryAfterForm,
        int disconnectAfter,
        int disconnectAttempts,
        int stallAfter,
        int stallAttempts,
        int errorAfter,
        int errorAttempts,
        int malformedAfter,
        boolean randomSplits,
        int length,
        int tokensPerSecond) {

    enum RetryAfterForm {
        SECONDS,
        MILLIS,
        HTTP_DATE
    }

    static final FaultScript NONE = new FaultScript(0, 0, null, null, -1, 0, -1, 0, -1, 0, -1, false, 0, -1);

    /** The script in a model name, or {@link #NONE}; throws {@link IllegalArgumentException} naming a bad directive. */
    static FaultScript parse(String model) {
        int at = model == null ? -1 : model.indexOf('@');
        if (at < 0) {
            return NONE;
        }
        FaultScript script = NONE;
        for (String directive : model.substring(at + 1).split(",")) {
            String[] kv = directive.strip().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("fault directive '" + directive + "' is not name=value");
            }
            script = script.with(kv[0].strip().toLowerCase(Locale.ROOT), kv[1].strip());
        }
        return script;
    }

    /** The model name without its script. */
    static String baseModel(String model) {
        int at = model == null ? -1 : model.indexOf('@');
        return at < 0 ? model : model.substring(0, at);
    }

    private FaultScript with(String name, String value) {
        return switch (name) {
            case "status" -> {
                int[] times = times(name, value);
                yield new FaultScript(times[0], times[1], retryAfterMs, retryAfterForm, disconnectAfter, disconnectAttempts,
                        stallAfter, stallAttempts, errorAfter, errorAttempts, malformedAfter, randomSplits, length, tokensPerSecond);
            }
            case "retry-after" -> withRetryAfter(number(name, value) * 1000, RetryAfterForm.SECONDS);
            case "retry-after-ms" -> withRetryAfter(number(name, value), RetryAfterForm.MILLIS);
            case "retry-after-date" -> withRetryAfter(number(name, value) * 1000, RetryAfterForm.HTTP_DATE);
            case "disconnect-after" -> {
                int[] times = times(name, value);
                yield new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, times[0], times[1],
                        stallAfter, stallAttempts, errorAfter, errorAttempts, malformedAfter, randomSplits, length, tokensPerSecond);
            }
            case "stall-after" -> {
                int[] times = times(name, value);
                yield new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, disconnectAfter,
                        disconnectAttempts, times[0], times[1], errorAfter, errorAttempts, malformedAfter, randomSplits, length, tokensPerSecond);
            }
            case "error-after" -> {
                int[] times = times(name, value);
                yield new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, disconnectAfter,
                        disconnectAttempts, stallAfter, stallAttempts, times[0], times[1], malformedAfter, randomSplits, length, tokensPerSecond);
            }
            case "malformed-after" -> new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, disconnectAfter,
                    disconnectAttempts, stallAfter, stallAttempts, errorAfter, errorAttempts, (int) number(name, value),
                    randomSplits, length, tokensPerSecond);
            case "split" -> {
                if (!value.equals("random")) {
                    throw new IllegalArgumentException("split must be random, was " + value);
                }
                yield new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, disconnectAfter,
                        disconnectAttempts, stallAfter, stallAttempts, errorAfter, errorAttempts, malformedAfter, true, length,
                        tokensPerSecond);
            }
            case "length" -> new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, disconnectAfter,
                    disconnectAttempts, stallAfter, stallAttempts, errorAfter, errorAttempts, malformedAfter, randomSplits,
                    (int) number(name, value), tokensPerSecond);
            case "tps" -> new FaultScript(status, statusAttempts, retryAfterMs, retryAfterForm, disconnectAfter,
                    disconnectAttempts, stallAfter, stallAttempts, errorAfter, errorAttempts, malformedAfter, randomSplits,
                    length, (int) number(name, value));
            default -> throw new IllegalArgumentException("unknown fault directive '" + name + "'");
        };
    }

    private FaultScript withRetryAfter(long millis, RetryAfterForm form) {
        return new FaultScript(status, statusAttempts, millis, form, disconnectAfter, disconnectAttempts, stallAfter,
                stallAttempts, errorAfter, errorAttempts, malformedAfter, randomSplits, length, tokensPerSecond);
    }

    /** {@code VALUExN}, or {@code VALUE} alone for every attempt. */
    private static int[] times(String name, String value) {
        String[] parts = value.split("x", 2);
        int first = (int) number(name, parts[0]);
        int attempts = parts.length == 2 ? (int) number(name, parts[1]) : Integer.MAX_VALUE;
        return new int[] {first, attempts};
    }

    private static long number(String name, String value) {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fault directive " + name + " needs a non-negative number, was " + value);
        }
    }
}
