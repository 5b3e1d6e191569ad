package dev.rewind.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A value of {@code rewind.chunks.dlq}: a record or fragment a reader could not use, with where it
 * came from and why. {@code excerpt} is bounded; the full bytes stay in the source record. One DLQ
 * serves every source: {@code sourceTopic} tells them apart.
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

    /**
     * The dead letter of a whole source record: {@code key} (the session id, when the record has
     * one), its position, why, and the start of its value as text (invalid UTF-8 replaced).
     */
    public static DeadLetter ofRecord(String key, String sourceTopic, int partition, long offset, String reason,
            byte[] value, Instant at) {
        String excerpt = value == null ? null
                : new String(value, 0, Math.min(value.length, MAX_EXCERPT * 4), StandardCharsets.UTF_8);
        return new DeadLetter(key == null ? "" : key, sourceTopic, partition, offset, reason, excerpt, at);
    }
}
