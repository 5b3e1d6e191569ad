package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A value of {@code rewind.chunks}, keyed by session id: the raw audit of every upstream call. A
 * {@link Chunk} is one read of the response body, byte for byte; the markers frame the attempts.
 * Attempt numbers start at 1 and never repeat within a session.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ChunkRecord.Chunk.class, name = "chunk"),
    @JsonSubTypes.Type(value = ChunkRecord.AttemptStarted.class, name = "attempt_started"),
    @JsonSubTypes.Type(value = ChunkRecord.RetryScheduled.class, name = "retry_scheduled"),
    @JsonSubTypes.Type(value = ChunkRecord.AttemptEnded.class, name = "attempt_ended"),
    @JsonSubTypes.Type(value = ChunkRecord.SessionEnded.class, name = "session_ended"),
    @JsonSubTypes.Type(value = ChunkRecord.SessionQueued.class, name = "session_queued")
})
public sealed interface ChunkRecord {

    String sessionId();

    int attempt();

    /** One read of the upstream response body; {@code bytes} are exact (base64 in JSON). */
    record Chunk(
            String sessionId, int attempt, long seq, ProviderFormat providerFormat, byte[] bytes, Instant receivedAt)
            implements ChunkRecord {
        public Chunk {
            Objects.requireNonNull(sessionId, "session_id");
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Chunk c
                    && sessionId.equals(c.sessionId)
                    && attempt == c.attempt
                    && seq == c.seq
                    && providerFormat == c.providerFormat
                    && Arrays.equals(bytes, c.bytes)
                    && Objects.equals(receivedAt, c.receivedAt);
        }

        @Override
        public int hashCode() {
            return Objects.hash(sessionId, attempt, seq, providerFormat, Arrays.hashCode(bytes), receivedAt);
        }

        @Override
        public String toString() {
            return "Chunk[session=" + sessionId + ", attempt=" + attempt + ", seq=" + seq + ", bytes="
                    + bytes.length + "]";
        }
    }

    /**
     * The upstream answered. {@code upstreamStatus} and {@code contentType} are what it sent;
     * {@code upstream}, {@code model} and {@code providerFormat} repeat the request so that the
     * chunk topic can be read on its own.
     */
    record AttemptStarted(
            String sessionId,
            int attempt,
            Integer upstreamStatus,
            String contentType,
            String upstream,
            String model,
            ProviderFormat providerFormat,
            Instant at)
            implements ChunkRecord {}

    /** The attempt failed and another follows after {@code delayMs}. */
    record RetryScheduled(
            String sessionId, int attempt, long delayMs, String reason, Integer upstreamStatus, Instant at)
            implements ChunkRecord {}

    /** The attempt is over; {@code willRetry} says whether another attempt follows. */
    record AttemptEnded(
            String sessionId, int attempt, AttemptOutcome outcome, String reason, boolean willRetry, Instant at)
            implements ChunkRecord {}

    /**
     * Ingest's final word on the session; the processor writes the terminal token event only after
     * it. For a failure, {@code code} and {@code retryable} describe the error clients see.
     */
    record SessionEnded(
            String sessionId,
            int attempt,
            SessionOutcome outcome,
            String reason,
            String code,
            Boolean retryable,
            String cancelledBy,
            Instant at)
            implements ChunkRecord {}

    /**
     * The session waits for one of the worker's upstream stream slots ({@code max_concurrent_streams});
     * {@code position} is its place in the worker's queue (1 = next), {@code running} the streams in
     * flight. Repeated while it waits; {@code attempt} is the attempt that will start.
     */
    record SessionQueued(String sessionId, int attempt, int position, int running, Instant at) implements ChunkRecord {}

    enum AttemptOutcome {
        COMPLETED,
        FAILED,
        STALLED,
        CANCELLED;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    enum SessionOutcome {
        COMPLETED,
        FAILED,
        CANCELLED;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
