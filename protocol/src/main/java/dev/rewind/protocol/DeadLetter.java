package dev.rewind.protocol;

import java.time.Instant;

/**
 * A value of {@code rewind.chunks.dlq}: a fragment the processor could not use, with where it came
 * from and why. {@code excerpt} is bounded; the full bytes stay in the source record.
 */
public record DeadLetter(
        String sessionId,
        String sourceTopic,
        int partition,
        long offset,
        String reason,
        String excerpt,
        Instant at) {

    /** Longest excerpt kept, in characters. */
    public static final int MAX_EXCERPT = 512;

    public DeadLetter {
        if (excerpt != null && excerpt.length() > MAX_EXCERPT) {
            // never split a surrogate pair: a lone surrogate makes JSON that strict readers refuse
            int end = Character.isHighSurrogate(excerpt.charAt(MAX_EXCERPT - 1)) ? MAX_EXCERPT - 1 : MAX_EXCERPT;
            excerpt = excerpt.substring(0, end);
        }
    }
}
