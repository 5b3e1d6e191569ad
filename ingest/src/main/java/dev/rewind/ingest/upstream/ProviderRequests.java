package dev.rewind.ingest.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Translates an OpenAI-shaped start request into the upstream provider's own streaming request. */
public final class ProviderRequests {

    /** Keys of {@code params} that Rewind decides itself and never passes through. */
    private static final Set<String> RESERVED = Set.of("model", "messages", "stream", "stream_options", "n");
    static final String ANTHROPIC_VERSION = "2023-06-01";
    /** Anthropic requires max_tokens; this is used when the client gave none. */
    static final int ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

    private ProviderRequests() {}

    public static UpstreamRequest build(Upstream upstream, RequestRecord.Start start) {
        return switch (upstream.format()) {
            case OPENAI_CHAT -> openAiChat(upstream, start);
            case ANTHROPIC -> anthropic(upstream, start);
            case OPENAI_RESPONSES -> responses(upstream, start);
            case OLLAMA -> OllamaRequests.chat(upstream, start);
            case GEMINI -> GeminiRequests.streamGenerateContent(upstream, start);
        };
    }

    private static UpstreamRequest openAiChat(Upstream upstream, RequestRecord.Start start) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", start.model());
        body.set("messages", Json.MAPPER.valueToTree(start.messages()));
        params(start).fields().forEachRemaining(field -> {
            if (!RESERVED.contains(field.getKey())) {
                body.set(field.getKey(), field.getValue());
            }
        });
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        return new UpstreamRequest(upstream.baseUrl().resolve("chat/completions"), bearer(upstream), Json.toBytes(body));
    }

    /** Anthropic Messages: system prompt apart, tools with {@code input_schema}, tool results as user content. */
    private static UpstreamRequest anthropic(Upstream upstream, RequestRecord.Start start) {
        ObjectNode params = params(start);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", start.model());
        body.put("max_tokens", maxTokens(params, ANTHROPIC_DEFAULT_MAX_TOKENS));
        StringBuilder system = new StringBuilder();
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : start.messages()) {
            switch (message.role()) {
                case "system", "developer" -> system.append(system.isEmpty() ? "" : "\n\n").append(text(message.content()));
                case "tool" -> messages.addObject().put("role", "user").putArray("content").addObject()
                        .put("type", "tool_result").put("tool_use_id", message.toolCallId())
                        .put("content", text(message.content()));
                case "assistant" -> messages.addObject().put("role", "assistant").set("content", assistantBlocks(message));
                default -> messages.addObject().put("role", "user").set("content", message.content());
            }
        }
        if (!system.isEmpty()) {
            body.put("system", system.toString());
        }
        copy(params, body, "temperature", "top_p", "top_k", "metadata");
        ArrayNode stop = stopSequences(params);
        if (stop != null) {
            body.set("stop_sequences", stop);
        }
        JsonNode tools = params.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode translated = body.putArray("tools");
            tools.forEach(tool -> {
                JsonNode function = tool.path("function");
                ObjectNode t = translated.addObject().put("name", function.path("name").asText());
                if (function.has("description")) {
                    t.put("description", function.path("description").asText());
                }
                t.set("input_schema", function.has("parameters") ? function.get("parameters")
                        : Json.MAPPER.createObjectNode().put("type", "object"));
            });
            toolChoice(params.get("tool_choice"), body);
        }
        body.put("stream", true);
        Map<String, String> headers = jsonHeaders("text/event-stream");
        headers.put("anthropic-version", ANTHROPIC_VERSION);
        upstream.apiKey().ifPresent(key -> headers.put("x-api-key", key.reveal()));
        return new UpstreamRequest(upstream.baseUrl().resolve("messages"), headers, Json.toBytes(body));
    }

    /** OpenAI Responses: system prompt as {@code instructions}, messages and tool traffic as input items. */
    private static UpstreamRequest responses(Upstream upstream, RequestRecord.Start start) {
        ObjectNode params = params(start);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", start.model());
        StringBuilder instructions = new StringBuilder();
        ArrayNode input = body.putArray("input");
        for (ChatMessage message : start.messages()) {
            switch (message.role()) {
                case "system", "developer" -> instructions.append(instructions.isEmpty() ? "" : "\n\n").append(text(message.content()));
                case "tool" -> input.addObject().put("type", "function_call_output").put("call_id", message.toolCallId())
                        .put("output", text(message.content()));
                default -> {
                    if (message.content() != null && !message.content().isNull()) {
                        input.addObject().put("role", message.role()).set("content", message.content());
                    }
                    if (message.toolCalls() != null) {
                        message.toolCalls().forEach(call -> input.addObject().put("type", "function_call")
                                .put("call_id", call.path("id").asText()).put("name", call.at("/function/name").asText())
                                .put("arguments", call.at("/function/arguments").asText("{}")));
                    }
                }
            }
        }
        if (!instructions.isEmpty()) {
            body.put("instructions", instructions.toString());
        }
        int max = maxTokens(params, 0);
        if (max > 0) {
            body.put("max_output_tokens", max);
        }
        copy(params, body, "temperature", "top_p", "metadata", "parallel_tool_calls", "tool_choice");
        JsonNode tools = params.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode translated = body.putArray("tools");
            tools.forEach(tool -> {
                JsonNode function = tool.path("function");
                ObjectNode t = translated.addObject().put("type", "function").put("name", function.path("name").asText());
                if (function.has("description")) {
                    t.put("description", function.path("description").asText());
                }
                t.set("parameters", function.has("parameters") ? function.get("parameters")
                        : Json.MAPPER.createObjectNode().put("type", "object"));
            });
        }
        body.put("stream", true);
        return new UpstreamRequest(upstream.baseUrl().resolve("responses"), bearer(upstream), Json.toBytes(body));
    }

    private static ArrayNode assistantBlocks(ChatMessage message) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        String text = text(message.content());
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
        if (message.toolCalls() != null) {
            message.toolCalls().forEach(call -> blocks.addObject().put("type", "tool_use").put("id", call.path("id").asText())
                    .put("name", call.at("/function/name").asText()).set("input", argumentsObject(call)));
        }
        return blocks;
    }

    private static void toolChoice(JsonNode choice, ObjectNode body) {
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> body.putObject("tool_choice").put("type", "auto");
                case "required" -> body.putObject("tool_choice").put("type", "any");
                case "none" -> body.remove("tools");
                default -> { }
            }
        } else if (choice.at("/function/name").isTextual()) {
            body.putObject("tool_choice").put("type", "tool").put("name", choice.at("/function/name").asText());
        }
    }

    /**
     * An OpenAI tool call's arguments as a JSON object, for providers that take an object: OpenAI
     * sends a JSON string (some servers an object); what does not parse as an object becomes {@code {}}.
     */
    static JsonNode argumentsObject(JsonNode call) {
        JsonNode arguments = call.at("/function/arguments");
        if (arguments.isObject()) {
            return arguments;
        }
        try {
            JsonNode parsed = Json.MAPPER.readTree(arguments.asText("{}"));
            return parsed != null && parsed.isObject() ? parsed : Json.MAPPER.createObjectNode();
        } catch (java.io.IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    /** The function name of each assistant tool call by its id, for providers whose tool results name the function. */
    static Map<String, String> toolNamesById(java.util.List<ChatMessage> messages) {
        Map<String, String> names = new java.util.HashMap<>();
        for (ChatMessage message : messages) {
            if (message.toolCalls() != null) {
                message.toolCalls().forEach(call -> names.put(call.path("id").asText(), call.at("/function/name").asText()));
            }
        }
        return names;
    }

    /** The tools of an OpenAI request ({@code [{type: function, function: {...}}]}), or an empty array. */
    static JsonNode tools(ObjectNode params) {
        JsonNode tools = params.path("tools");
        return tools.isArray() ? tools : Json.MAPPER.createArrayNode();
    }

    /** OpenAI's {@code stop} (a string or an array) as an array, or null. */
    static ArrayNode stopSequences(ObjectNode params) {
        JsonNode stop = params.get("stop");
        if (stop == null || stop.isNull()) {
            return null;
        }
        return stop.isArray() ? (ArrayNode) stop : Json.MAPPER.createArrayNode().add(stop);
    }

    /** An image given inline as a {@code data:} URL, as OpenAI's {@code image_url} parts may carry it. */
    record InlineImage(String mimeType, String base64) {}

    /**
     * The inline images of a message's content parts. Remote image URLs are left out: Ollama and
     * Gemini take image bytes, and ingest does not fetch URLs on a client's behalf.
     */
    static java.util.List<InlineImage> inlineImages(JsonNode content) {
        java.util.List<InlineImage> images = new java.util.ArrayList<>();
        if (content != null && content.isArray()) {
            content.forEach(part -> {
                String url = part.at("/image_url/url").asText(part.path("image_url").asText(""));
                int comma = url.indexOf(',');
                if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
                    images.add(new InlineImage(url.substring(5, comma - ";base64".length()), url.substring(comma + 1)));
                }
            });
        }
        return images;
    }

    /** A message's content as plain text: a string, or the text parts of an array joined. */
    static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText("")));
        return text.toString();
    }

    static int maxTokens(ObjectNode params, int fallback) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            if (params.path(field).isIntegralNumber()) {
                return params.get(field).asInt();
            }
        }
        return fallback;
    }

    static void copy(ObjectNode from, ObjectNode to, String... fields) {
        for (String field : fields) {
            if (from.hasNonNull(field)) {
                to.set(field, from.get(field));
            }
        }
    }

    static ObjectNode params(RequestRecord.Start start) {
        return start.params() == null ? Json.MAPPER.createObjectNode() : start.params();
    }

    private static Map<String, String> bearer(Upstream upstream) {
        return bearer(upstream, "text/event-stream");
    }

    static Map<String, String> bearer(Upstream upstream, String accept) {
        Map<String, String> headers = jsonHeaders(accept);
        upstream.apiKey().ifPresent(key -> headers.put("Authorization", "Bearer " + key.reveal()));
        return headers;
    }

    static Map<String, String> jsonHeaders(String accept) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", accept);
        return headers;
    }
}
