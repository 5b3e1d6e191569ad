package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a whole response body of any of the five APIs back into what it carried, so tests compare
 * it with the plan. Strict on purpose: a line that is neither an event, a comment nor valid JSON
 * counts as malformed.
 */
final class StreamDecoder {

    record Call(String id, String name, String arguments) {
        JsonNode argumentsJson() {
            return arguments.isEmpty() ? Json.MAPPER.createObjectNode() : Json.fromString(arguments, JsonNode.class);
        }
    }

    record Decoded(String text, String reasoning, List<Call> calls, String finish, boolean terminated, List<JsonNode> errors,
            int keepAlives, int malformed, List<JsonNode> events) {}

    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final Map<String, String[]> calls = new LinkedHashMap<>();
    private final List<JsonNode> errors = new ArrayList<>();
    private final List<JsonNode> events = new ArrayList<>();
    private String finish;
    private boolean terminated;
    private int keepAlives;
    private int malformed;

    private StreamDecoder() {}

    static Decoded decode(Api api, byte[] body) {
        StreamDecoder decoder = new StreamDecoder();
        String all = new String(body, StandardCharsets.UTF_8);
        if (api == Api.OLLAMA) {
            for (String line : all.split("\n")) {
                decoder.json(line).ifPresent(decoder::ollama);
            }
        } else {
            for (String block : all.split(api == Api.GEMINI ? "\r\n\r\n" : "\n\n")) {
                decoder.sse(api, block);
            }
        }
        List<Call> calls = decoder.calls.values().stream().map(c -> new Call(c[0], c[1], c[2])).toList();
        return new Decoded(decoder.text.toString(), decoder.reasoning.toString(), calls, decoder.finish, decoder.terminated,
                decoder.errors, decoder.keepAlives, decoder.malformed, decoder.events);
    }

    private void sse(Api api, String block) {
        String event = null;
        String data = null;
        for (String line : block.split(api == Api.GEMINI ? "\r\n" : "\n")) {
            if (line.startsWith(":")) {
                keepAlives++;
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data = line.substring(6);
            } else if (!line.isEmpty()) {
                malformed++;
            }
        }
        if (data == null) {
            return;
        }
        if (data.equals("[DONE]")) {
            terminated = true;
            return;
        }
        String name = event;
        json(data).ifPresent(json -> {
            switch (api) {
                case CHAT -> chat(json);
                case ANTHROPIC -> anthropic(name, json);
                case RESPONSES -> responses(name, json);
                case GEMINI -> gemini(json);
                case OLLAMA -> throw new IllegalStateException("not SSE");
            }
        });
    }

    private java.util.Optional<JsonNode> json(String text) {
        if (text.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            JsonNode json = Json.MAPPER.readTree(text);
            events.add(json);
            return java.util.Optional.of(json);
        } catch (IOException e) {
            malformed++;
            return java.util.Optional.empty();
        }
    }

    private void chat(JsonNode chunk) {
        if (chunk.has("error")) {
            errors.add(chunk.get("error"));
            return;
        }
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            text.append(delta.path("content").asText(""));
            reasoning.append(delta.path("reasoning_content").asText(""));
            for (JsonNode call : delta.path("tool_calls")) {
                String[] state = calls.computeIfAbsent(call.path("index").asText(), k -> new String[] {null, null, ""});
                if (call.has("id")) {
                    state[0] = call.get("id").asText();
                    state[1] = call.at("/function/name").asText();
                }
                state[2] += call.at("/function/arguments").asText("");
            }
            if (choice.hasNonNull("finish_reason")) {
                finish = choice.get("finish_reason").asText();
            }
        }
    }

    private void anthropic(String event, JsonNode data) {
        switch (event) {
            case "content_block_start" -> {
                JsonNode block = data.path("content_block");
                if (block.path("type").asText().equals("tool_use")) {
                    calls.put(data.path("index").asText(), new String[] {block.path("id").asText(), block.path("name").asText(), ""});
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = data.path("delta");
                switch (delta.path("type").asText()) {
                    case "text_delta" -> text.append(delta.path("text").asText());
                    case "thinking_delta" -> reasoning.append(delta.path("thinking").asText());
                    case "input_json_delta" -> calls.get(data.path("index").asText())[2] += delta.path("partial_json").asText();
                    default -> { }
                }
            }
            case "message_delta" -> finish = data.at("/delta/stop_reason").asText();
            case "message_stop" -> terminated = true;
            case "ping" -> keepAlives++;
            case "error" -> errors.add(data.path("error"));
            default -> { }
        }
    }

    private void responses(String event, JsonNode data) {
        switch (event) {
            case "response.output_text.delta" -> text.append(data.path("delta").asText());
            case "response.reasoning_summary_text.delta" -> reasoning.append(data.path("delta").asText());
            case "response.output_item.added" -> {
                JsonNode item = data.path("item");
                if (item.path("type").asText().equals("function_call")) {
                    calls.put(item.path("id").asText(), new String[] {item.path("call_id").asText(), item.path("name").asText(), ""});
                }
            }
            case "response.function_call_arguments.delta" -> calls.get(data.path("item_id").asText())[2] += data.path("delta").asText();
            case "response.completed", "response.incomplete" -> {
                finish = data.at("/response/status").asText();
                terminated = true;
            }
            case "error" -> errors.add(data);
            default -> { }
        }
    }

    private void ollama(JsonNode line) {
        if (line.has("error")) {
            errors.add(line);
            return;
        }
        JsonNode message = line.path("message");
        text.append(message.path("content").asText(""));
        reasoning.append(message.path("thinking").asText(""));
        for (JsonNode call : message.path("tool_calls")) {
            calls.put(Integer.toString(calls.size()), new String[] {null, call.at("/function/name").asText(),
                    Json.toString(call.at("/function/arguments"))});
        }
        if (line.path("done").asBoolean()) {
            finish = line.path("done_reason").asText();
            terminated = true;
        }
    }

    private void gemini(JsonNode response) {
        if (response.has("error")) {
            errors.add(response.get("error"));
            return;
        }
        JsonNode candidate = response.path("candidates").path(0);
        for (JsonNode part : candidate.at("/content/parts")) {
            if (part.has("functionCall")) {
                calls.put(Integer.toString(calls.size()), new String[] {null, part.at("/functionCall/name").asText(),
                        Json.toString(part.at("/functionCall/args"))});
            } else if (part.path("thought").asBoolean()) {
                reasoning.append(part.path("text").asText());
            } else {
                text.append(part.path("text").asText());
            }
        }
        if (candidate.has("finishReason")) {
            finish = candidate.get("finishReason").asText();
            terminated = true;
        }
    }
}
