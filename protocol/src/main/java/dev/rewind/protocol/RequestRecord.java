package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** A value of {@code rewind.requests}, keyed by session id. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = RequestRecord.Start.class, name = "start")})
public sealed interface RequestRecord permits RequestRecord.Start {

    String sessionId();

    /**
     * Start a generation. {@code owner} is the id of the API key that asked (never the key itself);
     * {@code messages} and {@code params} are in OpenAI Chat Completions shape, as the client sent them.
     * {@code conversationId} (optional, see {@link ConversationIds}) names the chat this session is a turn of.
     */
    record Start(
            String sessionId,
            String owner,
            String upstream,
            ProviderFormat providerFormat,
            String model,
            List<ChatMessage> messages,
            ObjectNode params,
            Instant createdAt,
            String idempotencyKey,
            String conversationId)
            implements RequestRecord {
        public Start {
            Objects.requireNonNull(sessionId, "session_id");
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(providerFormat, "provider_format");
            Objects.requireNonNull(createdAt, "created_at");
            messages = messages == null ? List.of() : List.copyOf(messages);
        }

        /** A session that is no turn of a named conversation. */
        public Start(String sessionId, String owner, String upstream, ProviderFormat providerFormat, String model,
                List<ChatMessage> messages, ObjectNode params, Instant createdAt, String idempotencyKey) {
            this(sessionId, owner, upstream, providerFormat, model, messages, params, createdAt, idempotencyKey, null);
        }
    }

    /**
     * One message in OpenAI Chat Completions shape. {@code content} is a string or an array of
     * content parts; {@code toolCalls} and {@code toolCallId} carry tool use and its results.
     */
    record ChatMessage(String role, JsonNode content, String name, JsonNode toolCalls, String toolCallId) {
        public ChatMessage {
            Objects.requireNonNull(role, "role");
        }

        public static ChatMessage text(String role, String text) {
            return new ChatMessage(role, com.fasterxml.jackson.databind.node.TextNode.valueOf(text), null, null, null);
        }
    }
}
