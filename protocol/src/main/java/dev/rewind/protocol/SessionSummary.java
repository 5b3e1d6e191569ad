package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.usage.Cost;
import dev.rewind.protocol.usage.TokenUsage;
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
        String conversationId,
        TokenUsage totalUsage,
        Cost cost) {

    public SessionSummary {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** A summary without usage totals and cost (as every summary written before they existed). */
    public SessionSummary(String id, String owner, String upstream, ProviderFormat providerFormat, String model,
            Instant createdAt, Status status, List<Attempt> attempts, long tokenCount, JsonNode usage, Long ttftMs,
            Long durationMs, ErrorInfo error, String cancelledBy, Integer tokensPartition, String conversationId) {
        this(id, owner, upstream, providerFormat, model, createdAt, status, attempts, tokenCount, usage, ttftMs, durationMs,
                error, cancelledBy, tokensPartition, conversationId, null, null);
    }

    /** A summary of a session that is no turn of a named conversation (and of every summary written before conversations). */
    public SessionSummary(String id, String owner, String upstream, ProviderFormat providerFormat, String model,
            Instant createdAt, Status status, List<Attempt> attempts, long tokenCount, JsonNode usage, Long ttftMs,
            Long durationMs, ErrorInfo error, String cancelledBy, Integer tokensPartition) {
        this(id, owner, upstream, providerFormat, model, createdAt, status, attempts, tokenCount, usage, ttftMs, durationMs,
                error, cancelledBy, tokensPartition, null, null, null);
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

    /**
     * One upstream attempt. {@code usage} is what its stream reported (or, for an interrupted one that
     * reported nothing, estimated), absent for an attempt that never streamed; {@code cost} is its price,
     * null when the model has no price or the attempt no usage.
     */
    public record Attempt(int n, Instant startedAt, Integer upstreamStatus, String outcome, String reason,
            Long retryDelayMs, TokenUsage usage, Cost cost) {
        /** An attempt whose usage is not known yet. */
        public Attempt(int n, Instant startedAt, Integer upstreamStatus, String outcome, String reason, Long retryDelayMs) {
            this(n, startedAt, upstreamStatus, outcome, reason, retryDelayMs, null, null);
        }
    }

    public record ErrorInfo(String code, String message, boolean retryable) {}
}
