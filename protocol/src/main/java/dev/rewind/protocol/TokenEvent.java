package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A value of {@code rewind.tokens}, keyed by session id: the product. Per session the events are
 * ordered and numbered by {@code seq} from 1 ({@link Start}); exactly one terminal event
 * ({@link Done}, {@link Error} or {@link Cancelled}) ends the session. The JSON {@code type} is
 * the SSE event name.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = TokenEvent.Start.class, name = "start"),
    @JsonSubTypes.Type(value = TokenEvent.Token.class, name = "token"),
    @JsonSubTypes.Type(value = TokenEvent.Reasoning.class, name = "reasoning"),
    @JsonSubTypes.Type(value = TokenEvent.Refusal.class, name = "refusal"),
    @JsonSubTypes.Type(value = TokenEvent.ToolCall.class, name = "tool_call"),
    @JsonSubTypes.Type(value = TokenEvent.Status.class, name = "status"),
    @JsonSubTypes.Type(value = TokenEvent.Warning.class, name = "warning"),
    @JsonSubTypes.Type(value = TokenEvent.Reset.class, name = "reset"),
    @JsonSubTypes.Type(value = TokenEvent.Done.class, name = "done"),
    @JsonSubTypes.Type(value = TokenEvent.Error.class, name = "error"),
    @JsonSubTypes.Type(value = TokenEvent.Cancelled.class, name = "cancelled")
})
public sealed interface TokenEvent {

    String sessionId();

    long seq();

    /** The SSE event name, equal to the JSON {@code type}. */
    @JsonIgnore
    default String eventName() {
        return switch (this) {
            case Start s -> "start";
            case Token t -> "token";
            case Reasoning r -> "reasoning";
            case Refusal r -> "refusal";
            case ToolCall t -> "tool_call";
            case Status s -> "status";
            case Warning w -> "warning";
            case Reset r -> "reset";
            case Done d -> "done";
            case Error e -> "error";
            case Cancelled c -> "cancelled";
        };
    }

    /** True for the one event that ends a session. */
    @JsonIgnore
    default boolean isTerminal() {
        return this instanceof Done || this instanceof Error || this instanceof Cancelled;
    }

    /** The first event; {@code conversationId} is the request's, absent for a session outside any conversation. */
    record Start(String sessionId, long seq, String upstream, String model, String conversationId) implements TokenEvent {
        public Start(String sessionId, long seq, String upstream, String model) {
            this(sessionId, seq, upstream, model, null);
        }
    }

    record Token(String sessionId, long seq, String text) implements TokenEvent {}

    record Reasoning(String sessionId, long seq, String text) implements TokenEvent {}

    record Refusal(String sessionId, long seq, String text) implements TokenEvent {}

    /**
     * A fragment of a tool call. {@code index} counts calls from 0 in order of appearance;
     * {@code providerIndex} is the provider's own. {@code argumentsDelta} is exactly as streamed;
     * {@code arguments} is a parsed-so-far snapshot, present at most once per KiB of new arguments
     * and always on the call's last event, which has {@code final: true}.
     */
    record ToolCall(
            String sessionId,
            long seq,
            int index,
            Integer providerIndex,
            String id,
            String name,
            String argumentsDelta,
            JsonNode arguments,
            @com.fasterxml.jackson.annotation.JsonProperty("final") boolean isFinal)
            implements TokenEvent {}

    /** {@code state} is {@code retrying} or {@code connected}. */
    record Status(String sessionId, long seq, String state, int attempt, Long delayMs, String reason, Integer position)
            implements TokenEvent {
        /** A status without a queue position: {@code retrying} or {@code connected}. */
        public Status(String sessionId, long seq, String state, int attempt, Long delayMs, String reason) {
            this(sessionId, seq, state, attempt, delayMs, reason, null);
        }
    }

    /** Something was skipped or repaired; the stream goes on. */
    record Warning(String sessionId, long seq, String code, String message) implements TokenEvent {}

    /** Everything since the previous reset (or the start) belongs to a failed attempt: clients clear it. */
    record Reset(String sessionId, long seq, int attempt, String reason) implements TokenEvent {}

    /** Normal end. {@code finishReason} is one of stop, length, tool_calls, content_filter. */
    record Done(String sessionId, long seq, String finishReason, String providerFinishReason, JsonNode usage)
            implements TokenEvent {}

    record Error(String sessionId, long seq, String code, String message, boolean retryable) implements TokenEvent {}

    record Cancelled(String sessionId, long seq, String by, String reason) implements TokenEvent {}
}
