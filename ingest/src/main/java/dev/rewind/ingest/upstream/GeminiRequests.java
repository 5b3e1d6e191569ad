package dev.rewind.ingest.upstream;

import static dev.rewind.ingest.upstream.ProviderRequests.argumentsObject;
import static dev.rewind.ingest.upstream.ProviderRequests.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Gemini's {@code POST <base_url>/models/{model}:streamGenerateContent?alt=sse}, with a base URL such
 * as {@code https://…/v1beta}: {@code contents} with roles {@code user} and {@code model}, the system
 * prompt as {@code systemInstruction}, sampling in {@code generationConfig}, tools as function
 * declarations; the key goes in {@code x-goog-api-key}.
 */
final class GeminiRequests {

    /**
     * JSON Schema keywords that Gemini's schema subset (an OpenAPI 3.0 subset) rejects with a 400,
     * while OpenAI clients send them routinely ({@code additionalProperties: false} for strict tools).
     */
    private static final Set<String> UNSUPPORTED_SCHEMA_KEYWORDS = Set.of("additionalProperties", "$schema");
    private static final Map<String, String> FUNCTION_CALLING_MODES = Map.of("auto", "AUTO", "required", "ANY", "none", "NONE");

    private GeminiRequests() {}

    static UpstreamRequest streamGenerateContent(Upstream upstream, RequestRecord.Start start) {
        ObjectNode params = ProviderRequests.params(start);
        ObjectNode body = Json.MAPPER.createObjectNode();
        StringBuilder system = new StringBuilder();
        ArrayNode contents = body.putArray("contents");
        Map<String, String> toolNames = ProviderRequests.toolNamesById(start.messages());
        for (ChatMessage message : start.messages()) {
            switch (message.role()) {
                case "system", "developer" -> system.append(system.isEmpty() ? "" : "\n\n").append(text(message.content()));
                case "tool" -> {
                    String name = message.name() != null ? message.name() : toolNames.getOrDefault(message.toolCallId(), "");
                    parts(contents, "user").addObject().putObject("functionResponse").put("name", name)
                            .set("response", functionResponse(text(message.content())));
                }
                case "assistant" -> {
                    ArrayNode parts = parts(contents, "model");
                    String text = text(message.content());
                    if (!text.isEmpty()) {
                        parts.addObject().put("text", text);
                    }
                    if (message.toolCalls() != null) {
                        message.toolCalls().forEach(call -> parts.addObject().putObject("functionCall")
                                .put("name", call.at("/function/name").asText()).set("args", argumentsObject(call)));
                    }
                }
                default -> {
                    ArrayNode parts = parts(contents, "user");
                    String text = text(message.content());
                    if (!text.isEmpty() || message.content() == null || message.content().isTextual()) {
                        parts.addObject().put("text", text);
                    }
                    ProviderRequests.inlineImages(message.content()).forEach(image -> parts.addObject()
                            .putObject("inlineData").put("mimeType", image.mimeType()).put("data", image.base64()));
                }
            }
        }
        if (!system.isEmpty()) {
            body.putObject("systemInstruction").putArray("parts").addObject().put("text", system.toString());
        }
        tools(params, body);
        ObjectNode generation = generationConfig(params);
        if (!generation.isEmpty()) {
            body.set("generationConfig", generation);
        }
        var headers = ProviderRequests.jsonHeaders("text/event-stream");
        upstream.apiKey().ifPresent(key -> headers.put("x-goog-api-key", key.reveal()));
        String model = start.model().startsWith("models/") ? start.model().substring("models/".length()) : start.model();
        return new UpstreamRequest(upstream.baseUrl().resolve("models/" + pathSegment(model)
                + ":streamGenerateContent?alt=sse"), headers, Json.toBytes(body));
    }

    /**
     * The parts of the last content when it has {@code role} (Gemini wants one turn per role, so
     * consecutive tool results — parallel calls answered — share a content), else of a new one.
     */
    private static ArrayNode parts(ArrayNode contents, String role) {
        if (!contents.isEmpty() && contents.get(contents.size() - 1).path("role").asText().equals(role)) {
            return (ArrayNode) contents.get(contents.size() - 1).get("parts");
        }
        return contents.addObject().put("role", role).putArray("parts");
    }

    /** A tool's result as Gemini's {@code response} object: a JSON object as it is, anything else wrapped. */
    private static JsonNode functionResponse(String result) {
        try {
            JsonNode parsed = Json.MAPPER.readTree(result);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (IOException notJson) {
            // plain text: wrapped below
        }
        return Json.MAPPER.createObjectNode().put("content", result);
    }

    private static void tools(ObjectNode params, ObjectNode body) {
        JsonNode tools = ProviderRequests.tools(params);
        if (tools.isEmpty()) {
            return;
        }
        ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
        tools.forEach(tool -> {
            JsonNode function = tool.path("function");
            ObjectNode declaration = declarations.addObject().put("name", function.path("name").asText());
            if (function.has("description")) {
                declaration.put("description", function.path("description").asText());
            }
            // Gemini refuses an object schema without properties: a function without arguments declares none
            if (function.path("parameters").isObject() && !function.path("parameters").path("properties").isEmpty()) {
                declaration.set("parameters", geminiSchema(function.get("parameters")));
            }
        });
        JsonNode choice = params.get("tool_choice");
        String mode = choice == null ? null : choice.isTextual() ? FUNCTION_CALLING_MODES.get(choice.asText())
                : choice.at("/function/name").isTextual() ? "ANY" : null;
        if (mode != null) {
            ObjectNode config = body.putObject("toolConfig").putObject("functionCallingConfig").put("mode", mode);
            if (choice.at("/function/name").isTextual()) {
                config.putArray("allowedFunctionNames").add(choice.at("/function/name").asText());
            }
        }
    }

    private static ObjectNode generationConfig(ObjectNode params) {
        ObjectNode generation = Json.MAPPER.createObjectNode();
        int max = ProviderRequests.maxTokens(params, 0);
        if (max > 0) {
            generation.put("maxOutputTokens", max);
        }
        rename(params, generation, "temperature", "temperature");
        rename(params, generation, "top_p", "topP");
        rename(params, generation, "top_k", "topK");
        rename(params, generation, "seed", "seed");
        rename(params, generation, "presence_penalty", "presencePenalty");
        rename(params, generation, "frequency_penalty", "frequencyPenalty");
        ArrayNode stop = ProviderRequests.stopSequences(params);
        if (stop != null) {
            generation.set("stopSequences", stop);
        }
        JsonNode format = params.path("response_format");
        switch (format.path("type").asText("")) {
            case "json_object" -> generation.put("responseMimeType", "application/json");
            case "json_schema" -> {
                generation.put("responseMimeType", "application/json");
                if (format.at("/json_schema/schema").isObject()) {
                    generation.set("responseSchema", geminiSchema(format.at("/json_schema/schema")));
                }
            }
            default -> { }
        }
        return generation;
    }

    private static void rename(ObjectNode from, ObjectNode to, String field, String as) {
        if (from.hasNonNull(field)) {
            to.set(as, from.get(field));
        }
    }

    /**
     * A JSON Schema in Gemini's subset: the keywords it rejects are dropped at every level, but a
     * property that happens to be named like one (inside {@code properties}) is kept.
     */
    static JsonNode geminiSchema(JsonNode schema) {
        if (!schema.isObject()) {
            return schema;
        }
        ObjectNode cleaned = Json.MAPPER.createObjectNode();
        schema.fields().forEachRemaining(field -> {
            String keyword = field.getKey();
            JsonNode value = field.getValue();
            if (UNSUPPORTED_SCHEMA_KEYWORDS.contains(keyword)) {
                return;
            }
            switch (keyword) {
                case "properties", "$defs", "definitions" -> {
                    ObjectNode named = cleaned.putObject(keyword);
                    value.fields().forEachRemaining(p -> named.set(p.getKey(), geminiSchema(p.getValue())));
                }
                case "items", "not" -> cleaned.set(keyword, value.isArray() ? eachSchema(value) : geminiSchema(value));
                case "anyOf", "oneOf", "allOf", "prefixItems" -> cleaned.set(keyword, eachSchema(value));
                default -> cleaned.set(keyword, value);
            }
        });
        return cleaned;
    }

    private static ArrayNode eachSchema(JsonNode schemas) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        schemas.forEach(s -> out.add(geminiSchema(s)));
        return out;
    }

    /**
     * Percent-encodes a model name for one path segment (RFC 3986 pchar kept). The JDK has no such
     * encoder: {@code URLEncoder} is for form bodies and turns a space into {@code +}.
     */
    static String pathSegment(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
