package dev.rewind.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

/** The five provider APIs as a client calls them: the minimal valid streaming request of each, with its credential. */
enum Api {
    CHAT, RESPONSES, ANTHROPIC, OLLAMA, GEMINI;

    /** A streaming request body for {@code model} asking {@code prompt}; Gemini's model goes in the path instead. */
    ObjectNode body(String model, String prompt) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        switch (this) {
            case CHAT -> {
                body.put("model", model).put("stream", true).putArray("messages").addObject().put("role", "user").put("content", prompt);
                body.putObject("stream_options").put("include_usage", true);
            }
            case RESPONSES -> body.put("model", model).put("stream", true).putArray("input").addObject()
                    .put("role", "user").put("content", prompt);
            case ANTHROPIC -> body.put("model", model).put("max_tokens", 4096).put("stream", true).putArray("messages")
                    .addObject().put("role", "user").put("content", prompt);
            case OLLAMA -> body.put("model", model).putArray("messages").addObject().put("role", "user").put("content", prompt);
            case GEMINI -> body.putArray("contents").addObject().put("role", "user").putArray("parts").addObject().put("text", prompt);
        }
        return body;
    }

    /** Offers one weather tool (and a second search tool) in this API's shape. */
    void offerTools(ObjectNode body) {
        ObjectNode weather = Json.MAPPER.createObjectNode().put("type", "object");
        ObjectNode properties = weather.putObject("properties");
        properties.putObject("city").put("type", "string");
        properties.putObject("days").put("type", "integer");
        properties.putObject("unit").put("type", "string").putArray("enum").add("celsius").add("fahrenheit");
        weather.putArray("required").add("city");
        ObjectNode search = Json.MAPPER.createObjectNode().put("type", "object");
        search.putObject("properties").putObject("query").put("type", "string");
        ArrayNode tools = body.putArray("tools");
        switch (this) {
            case CHAT, OLLAMA -> {
                tools.addObject().put("type", "function").putObject("function").put("name", "get_weather").set("parameters", weather);
                tools.addObject().put("type", "function").putObject("function").put("name", "search").set("parameters", search);
            }
            case RESPONSES -> {
                tools.addObject().put("type", "function").put("name", "get_weather").set("parameters", weather);
                tools.addObject().put("type", "function").put("name", "search").set("parameters", search);
            }
            case ANTHROPIC -> {
                tools.addObject().put("name", "get_weather").set("input_schema", weather);
                tools.addObject().put("name", "search").set("input_schema", search);
            }
            case GEMINI -> {
                ArrayNode declarations = tools.addObject().putArray("functionDeclarations");
                declarations.addObject().put("name", "get_weather").set("parameters", weather);
                declarations.addObject().put("name", "search").set("parameters", search);
            }
        }
    }

    String path(String model) {
        return switch (this) {
            case CHAT -> "/v1/chat/completions";
            case RESPONSES -> "/v1/responses";
            case ANTHROPIC -> "/v1/messages";
            case OLLAMA -> "/api/chat";
            case GEMINI -> "/v1beta/models/" + model + ":streamGenerateContent?alt=sse";
        };
    }

    /** A POST of {@code body}; {@code key} null sends no credential. */
    HttpRequest post(URI base, String model, ObjectNode body, String key) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path(model)))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(body)));
        if (this == ANTHROPIC) {
            builder.header("anthropic-version", "2023-06-01");
        }
        if (key != null) {
            switch (this) {
                case ANTHROPIC -> builder.header("x-api-key", key);
                case GEMINI -> builder.header("x-goog-api-key", key);
                default -> builder.header("Authorization", "Bearer " + key);
            }
        }
        return builder.build();
    }
}
