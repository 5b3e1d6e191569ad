package dev.rewind.processor.openai;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * OpenAI Chat Completions (and compatible servers) per WIRE-FORMATS §2: content, refusal and
 * reasoning deltas, tool calls keyed by (choice, tool index) and numbered in order of appearance,
 * the last non-null finish reason and usage, {@code [DONE]}, and in-band errors. Unknown fields are
 * ignored; a fragment that is not JSON or has the wrong shape is {@link Extracted.Malformed}.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ChatCompletionsExtractor {

    private final Map<String, ToolCallState> toolCalls = new LinkedHashMap<>();
    private String finishReason;
    private JsonNode usage;
    private boolean terminated;
    private boolean toolCallsFinal;

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    static final class ToolCallState {
        int index;
        Integer providerIndex;
        String id;
        String name;
        String arguments = "";
    }

    public void event(SseEvent event, Consumer<Extracted> out) {
        if (terminated || event.data().isBlank()) {
            return; // an empty data payload is a keep-alive (WIRE-FORMATS §7.4)
        }
        if (event.data().equals("[DONE]")) {
            terminated = true;
            finishToolCalls(out);
            return;
        }
        JsonNode chunk;
        try {
            chunk = Json.MAPPER.readTree(event.data());
        } catch (JsonProcessingException e) {
            out.accept(new Extracted.Malformed("not-json", excerpt(event.data())));
            return;
        }
        if (chunk == null || !chunk.isObject()) {
            out.accept(new Extracted.Malformed("not-an-object", excerpt(event.data())));
            return;
        }
        if (chunk.hasNonNull("error")) {
            JsonNode error = chunk.get("error");
            String code = error.path("code").isTextual() ? error.path("code").asText()
                    : error.path("type").asText("upstream_error");
            out.accept(new Extracted.UpstreamError(code, error.isTextual() ? error.asText() : error.path("message").asText("")));
            return;
        }
        JsonNode choices = chunk.path("choices");
        if (!choices.isMissingNode() && !choices.isNull() && !choices.isArray()) {
            out.accept(new Extracted.Malformed("choices-not-an-array", excerpt(event.data())));
            return;
        }
        for (JsonNode choice : choices) {
            choice(choice, out);
        }
        if (chunk.path("usage").isObject()) {
            usage = chunk.get("usage");
        }
    }

    private void choice(JsonNode choice, Consumer<Extracted> out) {
        int choiceIndex = choice.path("index").asInt(0);
        JsonNode delta = choice.path("delta");
        if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty()) {
            out.accept(new Extracted.Text(delta.get("content").asText()));
        }
        if (delta.path("refusal").isTextual() && !delta.path("refusal").asText().isEmpty()) {
            out.accept(new Extracted.Refusal(delta.get("refusal").asText()));
        }
        for (String field : new String[] {"reasoning_content", "reasoning"}) {
            if (delta.path(field).isTextual() && !delta.path(field).asText().isEmpty()) {
                out.accept(new Extracted.Reasoning(delta.get(field).asText()));
            }
        }
        JsonNode calls = delta.path("tool_calls");
        for (int position = 0; position < calls.size(); position++) {
            toolCall(choiceIndex, position, calls.get(position), out);
        }
        if (choice.path("finish_reason").isTextual()) {
            finishReason = choice.get("finish_reason").asText();
        }
    }

    private void toolCall(int choiceIndex, int position, JsonNode call, Consumer<Extracted> out) {
        Integer providerIndex = call.path("index").canConvertToInt() && call.path("index").isIntegralNumber()
                ? call.get("index").asInt() : null;
        String key = choiceIndex + ":" + (providerIndex == null ? "p" + position : providerIndex);
        ToolCallState state = toolCalls.computeIfAbsent(key, k -> {
            ToolCallState created = new ToolCallState();
            created.index = toolCalls.size();
            created.providerIndex = providerIndex;
            return created;
        });
        // id and name come on a call's first fragment only: never overwrite them with null
        if (call.path("id").isTextual() && !call.get("id").asText().isEmpty()) {
            state.id = call.get("id").asText();
        }
        JsonNode function = call.path("function");
        if (function.path("name").isTextual() && !function.get("name").asText().isEmpty()) {
            state.name = function.get("name").asText();
        }
        JsonNode arguments = function.path("arguments");
        // some servers send the whole arguments at once, or as an object
        String delta = arguments.isTextual() ? arguments.asText() : arguments.isObject() ? arguments.toString() : "";
        state.arguments += delta;
        out.accept(new Extracted.ToolCallDelta(state.index, state.providerIndex, state.id, state.name, delta));
    }

    /** Emits each tool call's final event once, with its arguments parsed as complete JSON. */
    public void finishToolCalls(Consumer<Extracted> out) {
        if (toolCallsFinal) {
            return;
        }
        toolCallsFinal = true;
        for (ToolCallState call : toolCalls.values()) {
            out.accept(new Extracted.ToolCallFinal(call.index, call.providerIndex, call.id, call.name, parse(call.arguments)));
        }
    }

    private static JsonNode parse(String arguments) {
        if (arguments.isBlank()) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            return Json.MAPPER.readTree(arguments);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    public String finishReason() {
        return finishReason;
    }

    public JsonNode usage() {
        return usage;
    }

    public boolean terminated() {
        return terminated;
    }

    /** Bytes of tool-call arguments held so far. */
    public long heldArgumentChars() {
        long total = 0;
        for (ToolCallState call : toolCalls.values()) {
            total += call.arguments.length();
        }
        return total;
    }


    /** The fragment's start; {@code DeadLetter} bounds it, without splitting a character. */
    static String excerpt(String data) {
        return data.length() <= DeadLetter.MAX_EXCERPT ? data : data.substring(0, DeadLetter.MAX_EXCERPT + 1);
    }
}
