package dev.rewind.edge.compat;

import dev.rewind.protocol.ConversationIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The body {@code useChat}'s default transport posts (ai 6.x): {@code {id, messages: [UIMessage],
 * trigger, messageId}}, plus what the application adds with the transport's {@code body}:
 * {@code model} ({@code upstream/model} allowed) and {@code params} (Chat Completions parameters).
 * UI messages become Chat Completions messages: text parts joined; tool parts with an output
 * become an assistant tool call and its tool result; reasoning, step, source and data parts are
 * display-only and dropped.
 */
record UiChatRequest(String chatId, String model, List<ChatMessage> messages, ObjectNode params) {

    private static final Set<String> FIELDS = Set.of("id", "messages", "trigger", "messageId", "model", "params");
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    static UiChatRequest of(JsonNode body, String defaultModel) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object: {id, messages, trigger, messageId}");
        }
        body.properties().forEach(field -> {
            if (!FIELDS.contains(field.getKey())) {
                throw ProblemException.badRequest("unknown field '" + field.getKey() + "'; known: " + FIELDS);
            }
        });
        String chatId = body.path("id").asText("");
        if (!ConversationIds.isValid(chatId)) {
            throw ProblemException.badRequest("'id' (the chat id) must be 1-128 of [A-Za-z0-9_-]");
        }
        String model = body.path("model").isTextual() ? body.get("model").asText() : defaultModel;
        if (model == null || model.isBlank()) {
            throw ProblemException.badRequest("'model' is required (send it in the transport's body)");
        }
        JsonNode params = body.get("params");
        if (params != null && !params.isNull() && !params.isObject()) {
            throw ProblemException.badRequest("'params' must be an object of Chat Completions parameters");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ProblemException.badRequest("'messages' must hold at least one UI message");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            convert(messages.get(i), i, out);
        }
        return new UiChatRequest(chatId, model, out, params == null || params.isNull() ? null : (ObjectNode) params.deepCopy());
    }

    private static void convert(JsonNode message, int i, List<ChatMessage> out) {
        String role = message.path("role").asText("");
        if (!ROLES.contains(role)) {
            throw ProblemException.badRequest("messages[" + i + "].role must be one of " + ROLES);
        }
        JsonNode parts = message.get("parts");
        if (parts == null || !parts.isArray()) {
            throw ProblemException.badRequest("messages[" + i + "].parts must be an array");
        }
        StringBuilder text = new StringBuilder();
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        List<ChatMessage> results = new ArrayList<>();
        for (JsonNode part : parts) {
            String type = part.path("type").asText("");
            if (type.equals("text")) {
                text.append(part.path("text").asText(""));
            } else if (type.equals("file")) {
                throw ProblemException.badRequest("messages[" + i + "]: file parts are not supported; send text");
            } else if ((type.startsWith("tool-") || type.equals("dynamic-tool")) && part.has("toolCallId")
                    && (part.has("output") || part.has("errorText"))) {
                String name = type.equals("dynamic-tool") ? part.path("toolName").asText() : type.substring(5);
                ObjectNode call = toolCalls.addObject().put("id", part.get("toolCallId").asText()).put("type", "function");
                call.putObject("function").put("name", name).put("arguments", Json.toString(part.path("input")));
                String result = part.has("output") ? Json.toString(part.get("output")) : part.get("errorText").asText();
                results.add(new ChatMessage("tool", TextNode.valueOf(result), null, null, part.get("toolCallId").asText()));
            }
        }
        if (toolCalls.isEmpty()) {
            out.add(ChatMessage.text(role, text.toString()));
        } else {
            out.add(new ChatMessage("assistant", text.isEmpty() ? null : TextNode.valueOf(text.toString()), null, toolCalls, null));
            out.addAll(results);
        }
    }
}
