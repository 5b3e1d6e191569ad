package dev.rewind.protocol.usage;

/**
 * The tokens one attempt (or a whole session) was billed for, in Rewind's own names for every
 * provider: {@code inputTokens} counts the whole prompt, of which {@code cachedInputTokens} were read
 * from the provider's prompt cache; {@code outputTokens} counts everything generated, of which
 * {@code reasoningTokens} were reasoning. A count the provider did not report is null.
 * {@code estimated} is true when some count was estimated from the streamed text (the provider
 * reported nothing for an interrupted attempt, see {@link #estimatedFromText}).
 */
public record TokenUsage(Long inputTokens, Long outputTokens, Long reasoningTokens, Long cachedInputTokens,
        boolean estimated) {

    /** Characters of streamed text per estimated token: OpenAI's rule of thumb for English text. */
    public static final int CHARS_PER_ESTIMATED_TOKEN = 4;

    /** A usage the provider reported. */
    public static TokenUsage reported(Long inputTokens, Long outputTokens, Long reasoningTokens, Long cachedInputTokens) {
        return new TokenUsage(inputTokens, outputTokens, reasoningTokens, cachedInputTokens, false);
    }

    /**
     * The usage of an attempt the provider reported nothing for: its output tokens estimated as the
     * streamed characters (text, reasoning, refusals, tool-call arguments) divided by
     * {@value #CHARS_PER_ESTIMATED_TOKEN}, rounded up; the input is unknown (null).
     */
    public static TokenUsage estimatedFromText(long streamedChars) {
        long tokens = (streamedChars + CHARS_PER_ESTIMATED_TOKEN - 1) / CHARS_PER_ESTIMATED_TOKEN;
        return new TokenUsage(null, tokens, null, null, true);
    }

    /** The sum of two usages: a count is null only when both are; estimated when either is. */
    public TokenUsage plus(TokenUsage other) {
        if (other == null) {
            return this;
        }
        return new TokenUsage(sum(inputTokens, other.inputTokens), sum(outputTokens, other.outputTokens),
                sum(reasoningTokens, other.reasoningTokens), sum(cachedInputTokens, other.cachedInputTokens),
                estimated || other.estimated);
    }

    private static Long sum(Long a, Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(a + b);
    }
}
