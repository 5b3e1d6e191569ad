package dev.rewind.ingest.upstream;

import static dev.rewind.ingest.upstream.ProviderRequests.argumentsObject;
import static dev.rewind.ingest.upstream.ProviderRequests.copy;
import static dev.rewind.ingest.upstream.ProviderRequests.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.util.Map;

/**
 * Ollama's native {@code POST <base_url>/api/chat}, which streams NDJSON. Its base URL is the
 * server's root ({@code http://localhost:11434}), not {@code …/v1}: that path is Ollama's
 * OpenAI-compatible API, which the {@code openai-chat} format calls.
 */
final class OllamaRequests {

    private OllamaRequests() {}

    static UpstreamRequest chat(Upstream upstream, RequestRecord.Start start) {
        ObjectNode params = ProviderRequests.params(start);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", start.model());
        ArrayNode messages = body.putArray("messages");
        Map<String, String> toolNames = ProviderRequests.toolNamesById(start.messages());
        for (ChatMessage message : start.messages()) {
            messages.add(message(message, toolNames));
        }
        JsonNode tools = ProviderRequests.tools(params);
        // Ollama has no tool_choice: "none" is honoured by not offering the tools at all
        boolean noTools = "none".equals(params.path("tool_choice").asText(null));
        if (!tools.isEmpty() && !noTools) {
            ArrayNode translated = body.putArray("tools");
            tools.forEach(tool -> {
                JsonNode function = tool.path("function");
                ObjectNode f = translated.addObject().put("type", "function").putObject("function");
                f.put("name", function.path("name").asText());
                if (function.has("description")) {
                    f.put("description", function.path("description").asText());
                }
                f.set("parameters", function.has("parameters") ? function.get("parameters")
                        : Json.MAPPER.createObjectNode().put("type", "object"));
            });
        }
        format(params.path("response_format"), body);
        ObjectNode options = Json.MAPPER.createObjectNode();
        int max = ProviderRequests.maxTokens(params, 0);
        if (max > 0) {
            options.put("num_predict", max);
        }
        ArrayNode stop = ProviderRequests.stopSequences(params);
        if (stop != null) {
            options.set("stop", stop);
        }
        copy(params, options, "temperature", "top_p", "top_k", "seed", "presence_penalty", "frequency_penalty");
        if (!options.isEmpty()) {
            body.set("options", options);
        }
        body.put("stream", true);
        return new UpstreamRequest(upstream.baseUrl().resolve("api/chat"),
                ProviderRequests.bearer(upstream, "application/x-ndjson"), Json.toBytes(body));
    }

    /** Ollama's message: content is a string; tool results name their function; tool-call arguments are objects. */
    private static ObjectNode message(ChatMessage message, Map<String, String> toolNames) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        switch (message.role()) {
            case "system", "developer" -> m.put("role", "system").put("content", text(message.content()));
            case "tool" -> {
                m.put("role", "tool").put("content", text(message.content()));
                String name = message.name() != null ? message.name() : toolNames.get(message.toolCallId());
                if (name != null) {
                    m.put("tool_name", name);
                }
            }
            case "assistant" -> {
                m.put("role", "assistant").put("content", text(message.content()));
                if (message.toolCalls() != null && !message.toolCalls().isEmpty()) {
                    ArrayNode calls = m.putArray("tool_calls");
                    message.toolCalls().forEach(call -> calls.addObject().putObject("function")
                            .put("name", call.at("/function/name").asText()).set("arguments", argumentsObject(call)));
                }
            }
            default -> m.put("role", "user").put("content", text(message.content()));
        }
        var images = ProviderRequests.inlineImages(message.content());
        if (!images.isEmpty()) {
            ArrayNode list = m.putArray("images");
            images.forEach(image -> list.add(image.base64()));
        }
        return m;
    }

    /** OpenAI's {@code response_format}: JSON mode is {@code format: "json"}, a JSON Schema is {@code format: <schema>}. */
    private static void format(JsonNode responseFormat, ObjectNode body) {
        switch (responseFormat.path("type").asText("")) {
            case "json_object" -> body.put("format", "json");
            case "json_schema" -> {
                JsonNode schema = responseFormat.at("/json_schema/schema");
                if (schema.isObject()) {
                    body.set("format", schema);
                }
            }
            default -> { }
        }
    }
}
