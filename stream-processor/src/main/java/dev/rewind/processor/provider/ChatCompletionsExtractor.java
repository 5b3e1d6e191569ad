package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.usage.TokenUsage;
import java.util.function.Consumer;

/**
 * OpenAI Chat Completions (and compatible servers) per WIRE-FORMATS §2: content, refusal and
 * reasoning deltas, tool calls keyed by (choice, tool index) and numbered in order of appearance,
 * the last non-null finish reason and usage, {@code [DONE]}, and in-band errors. Unknown fields are
 * ignored; a fragment that is not JSON or has the wrong shape is {@link Extracted.Malformed}.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ChatCompletionsExtractor extends ProviderStream {


    @Override
    public void event(SseEvent event, Consumer<Extracted> out) {
        if (terminated || event.data().isBlank()) {
            return; // an empty data payload is a keep-alive (WIRE-FORMATS §7.4)
        }
        if (event.data().equals("[DONE]")) {
            terminated = true;
            toolCalls.finish(out);
            return;
        }
        JsonNode chunk = ProviderJson.object(event, out);
        if (chunk == null) {
            return;
        }
        if (chunk.hasNonNull("error")) {
            JsonNode error = chunk.get("error");
            String code = error.path("code").isTextual() ? error.path("code").asText()
                    : error.path("type").asText("upstream_error");
            out.accept(new Extracted.UpstreamError(code, error.isTextual() ? error.asText() : error.path("message").asText("")));
            return;
        }
        // a choice's delta, when present, is an object whose tool calls are an array of objects
        JsonNode choices = ProviderJson.entries(chunk.path("choices"), "choices",
                choice -> ProviderJson.absentOrObjectWithArrayOfObjects(choice.path("delta"), "tool_calls"), event, out);
        if (choices == null) {
            return;
        }
        for (JsonNode choice : choices) {
            choice(choice, out);
        }
        if (chunk.path("usage").isObject()) {
            usage = chunk.get("usage");
        }
    }

    /** prompt_tokens (cached included), completion_tokens (reasoning included) and their details. */
    @Override
    TokenUsage normalise(JsonNode usage) {
        return ProviderJson.openAiUsage(usage, "prompt_tokens", "completion_tokens");
    }

    private void choice(JsonNode choice, Consumer<Extracted> out) {
        int choiceIndex = choice.path("index").asInt(0);
        JsonNode delta = choice.path("delta");
        ProviderJson.text(delta, "content").ifPresent(text -> out.accept(new Extracted.Text(text)));
        ProviderJson.text(delta, "refusal").ifPresent(text -> out.accept(new Extracted.Refusal(text)));
        ProviderJson.text(delta, "reasoning_content").ifPresent(text -> out.accept(new Extracted.Reasoning(text)));
        ProviderJson.text(delta, "reasoning").ifPresent(text -> out.accept(new Extracted.Reasoning(text)));
        JsonNode calls = delta.path("tool_calls");
        for (int position = 0; position < calls.size(); position++) {
            toolCall(choiceIndex, position, calls.get(position), out);
        }
        if (choice.path("finish_reason").isTextual()) {
            finishReason = choice.get("finish_reason").asText();
        }
    }

    private void toolCall(int choiceIndex, int position, JsonNode call, Consumer<Extracted> out) {
        Integer providerIndex = call.path("index").isIntegralNumber() ? call.get("index").asInt() : null;
        String key = choiceIndex + ":" + (providerIndex == null ? "p" + position : providerIndex);
        JsonNode function = call.path("function");
        ToolCalls.Call state = toolCalls.open(key, providerIndex, call.path("id").asText(null), function.path("name").asText(null));
        JsonNode arguments = function.path("arguments");
        // some servers send the whole arguments at once, or as an object
        toolCalls.delta(state, arguments.isTextual() ? arguments.asText() : arguments.isObject() ? arguments.toString() : "", out);
    }
}
