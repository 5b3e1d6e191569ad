package dev.rewind.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The body of {@code POST /v1/sessions} in OpenAI Chat Completions shape (DESIGN §4.1): an upstream
 * (null: the edge's default), a model, messages and optional params ({@code temperature},
 * {@code max_tokens}, {@code tools}, …).
 */
public record SessionRequest(String upstream, String model, List<Message> messages, ObjectNode params) {

    public SessionRequest {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("a session request needs a model");
        }
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a session request needs at least one message");
        }
        messages = List.copyOf(messages);
    }

    /** One message; {@code role} is system, developer, user, assistant or tool. */
    public record Message(String role, String content) {}

    /** One user message to the edge's default upstream. */
    public static SessionRequest ask(String model, String prompt) {
        return new SessionRequest(null, model, List.of(new Message("user", prompt)), null);
    }

    public SessionRequest withUpstream(String name) {
        return new SessionRequest(name, model, messages, params);
    }

    public SessionRequest withParams(ObjectNode newParams) {
        return new SessionRequest(upstream, model, messages, newParams);
    }

    JsonNode toJson(ObjectMapper mapper) {
        ObjectNode body = mapper.createObjectNode();
        if (upstream != null) {
            body.put("upstream", upstream);
        }
        body.put("model", model);
        ArrayNode list = body.putArray("messages");
        messages.forEach(m -> list.addObject().put("role", m.role()).put("content", m.content()));
        if (params != null) {
            body.set("params", params);
        }
        return body;
    }
}
