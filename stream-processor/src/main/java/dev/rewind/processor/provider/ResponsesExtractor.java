package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.usage.TokenUsage;
import java.util.function.Consumer;

/**
 * OpenAI Responses per WIRE-FORMATS §3: {@code response.output_text.delta}, reasoning and refusal
 * deltas, {@code function_call} output items with argument deltas (the {@code arguments.done}
 * restatement wins, a mismatch is reported), {@code response.completed / failed / incomplete} as
 * the terminal marker with usage, and {@code error} events in both the flat and nested shape.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ResponsesExtractor extends ProviderStream {


    @Override
    public void event(SseEvent event, Consumer<Extracted> out) {
        if (terminated || event.data().isBlank()) {
            return;
        }
        JsonNode data = ProviderJson.object(event, out);
        if (data == null) {
            return;
        }
        switch (data.path("type").asText(event.type())) {
            case "response.output_text.delta" -> ProviderJson.text(data, "delta").ifPresent(t -> out.accept(new Extracted.Text(t)));
            case "response.refusal.delta" -> ProviderJson.text(data, "delta").ifPresent(t -> out.accept(new Extracted.Refusal(t)));
            case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" ->
                    ProviderJson.text(data, "delta").ifPresent(t -> out.accept(new Extracted.Reasoning(t)));
            case "response.output_item.added" -> itemAdded(data);
            case "response.function_call_arguments.delta" -> call(data, out, false);
            case "response.function_call_arguments.done" -> call(data, out, true);
            case "response.completed", "response.incomplete", "response.failed" -> end(data, out);
            case "error" -> {
                JsonNode error = data.hasNonNull("error") ? data.get("error") : data;
                String code = error.path("code").isTextual() ? error.get("code").asText() : error.path("type").asText("upstream_error");
                out.accept(new Extracted.UpstreamError(code, error.path("message").asText("")));
            }
            default -> { } // created, in_progress, *.done restatements and types added later
        }
    }

    /** input_tokens (cached included), output_tokens (reasoning included) and their details. */
    @Override
    TokenUsage normalise(JsonNode usage) {
        return ProviderJson.openAiUsage(usage, "input_tokens", "output_tokens");
    }

    private void itemAdded(JsonNode data) {
        JsonNode item = data.path("item");
        if (item.path("type").asText().equals("function_call")) {
            toolCalls.open(item.path("id").asText(), data.path("output_index").asInt(),
                    item.path("call_id").asText(null), item.path("name").asText(null));
        }
    }

    private void call(JsonNode data, Consumer<Extracted> out, boolean done) {
        String itemId = data.path("item_id").asText();
        if (!toolCalls.has(itemId)) {
            out.accept(new Extracted.Malformed("unknown-item", "function call arguments for item " + itemId
                    + " that was never added"));
            return;
        }
        ToolCalls.Call call = toolCalls.open(itemId, null, null, null);
        if (done) {
            toolCalls.restate(call, data.path("arguments").asText(""), out);
        } else {
            toolCalls.delta(call, data.path("delta").asText(""), out);
        }
    }

    private void end(JsonNode data, Consumer<Extracted> out) {
        terminated = true;
        JsonNode response = data.path("response");
        if (response.path("usage").isObject()) {
            usage = response.get("usage");
        }
        finishReason = response.at("/incomplete_details/reason").isTextual()
                ? response.at("/incomplete_details/reason").asText() : response.path("status").asText(null);
        if (response.path("error").isObject()) {
            JsonNode error = response.get("error");
            out.accept(new Extracted.UpstreamError(error.path("code").asText("upstream_error"), error.path("message").asText("")));
        }
        toolCalls.finish(out);
    }
}
