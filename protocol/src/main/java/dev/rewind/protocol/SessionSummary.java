package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** A value of the compacted {@code rewind.sessions}: the latest summary of one session. */
public record SessionSummary(
        String id,
        String owner,
        String upstream,
        ProviderFormat providerFormat,
        String model,
        Instant createdAt,
        Status status,
        List<Attempt> attempts,
        long tokenCount,
        JsonNode usage,
        Long ttftMs,
        Long durationMs,
        ErrorInfo error,
        String cancelledBy,
        Integer tokensPartition,
        String conversationId) {

    public SessionSummary {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** A summary of a session that is no turn of a named conversation (and of every summary written before conversations). */
    public SessionSummary(String id, String owner, String upstream, ProviderFormat providerFormat, String model,
            Instant createdAt, Status status, List<Attempt> attempts, long tokenCount, JsonNode usage, Long ttftMs,
            Long durationMs, ErrorInfo error, String cancelledBy, Integer tokensPartition) {
        this(id, owner, upstream, providerFormat, model, createdAt, status, attempts, tokenCount, usage, ttftMs, durationMs,
                error, cancelledBy, tokensPartition, null);
    }

    public enum Status {
        PENDING,
        STREAMING,
        RETRYING,
        COMPLETED,
        FAILED,
        CANCELLED;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean isFinal() {
            return this == COMPLETED || this == FAILED || this == CANCELLED;
        }
    }

    public record Attempt(
            int n, Instant startedAt, Integer upstreamStatus, String outcome, String reason, Long retryDelayMs) {}

    public record ErrorInfo(String code, String message, boolean retryable) {}
}
