package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.usage.TokenUsage;
import dev.rewind.protocol.Json;
import java.util.List;
import java.util.function.Consumer;

/**
 * Ollama's native {@code /api/chat} per WIRE-FORMATS §5: NDJSON, one object per line, each carrying
 * {@code message.content} (text) and {@code message.thinking} (reasoning); tool calls arrive whole,
 * their {@code arguments} an object; the line with {@code done: true} is the terminal marker, with
 * {@code done_reason} and the counts and durations that are its usage; a line {@code {"error": "…"}}
 * is an in-band error.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class OllamaExtractor extends ProviderStream {

    /** The done line's fields that make up its usage, in Ollama's own names (durations in ns). */
    private static final List<String> USAGE_FIELDS = List.of("prompt_eval_count", "eval_count", "total_duration",
            "load_duration", "prompt_eval_duration", "eval_duration");


    @Override
    public Framing framing() {
        return Framing.NDJSON;
    }

    @Override
    public void event(SseEvent line, Consumer<Extracted> out) {
        if (terminated || line.data().isBlank()) {
            return;
        }
        JsonNode chunk = ProviderJson.object(line, out);
        if (chunk == null) {
            return;
        }
        if (chunk.hasNonNull("error")) {
            JsonNode error = chunk.get("error");
            out.accept(new Extracted.UpstreamError("upstream_error", error.isTextual() ? error.asText()
                    : error.path("message").asText(error.toString())));
            return;
        }
        JsonNode message = chunk.path("message");
        if (!ProviderJson.absentOrObjectWithArrayOfObjects(message, "tool_calls")) {
            out.accept(new Extracted.Malformed("wrong-shape", ProviderJson.excerpt(line.data())));
            return;
        }
        ProviderJson.text(message, "thinking").ifPresent(text -> out.accept(new Extracted.Reasoning(text)));
        ProviderJson.text(message, "content").ifPresent(text -> out.accept(new Extracted.Text(text)));
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            Integer providerIndex = function.path("index").isIntegralNumber() ? function.get("index").asInt() : null;
            // each call arrives whole, so it is a new call even when a model reuses an index
            toolCalls.whole("c" + toolCalls.size(), providerIndex, call.path("id").asText(null),
                    function.path("name").asText(null), function.path("arguments"), out);
        }
        if (chunk.path("done").asBoolean(false)) {
            terminated = true;
            finishReason = chunk.path("done_reason").asText(null);
            usage(chunk);
        }
    }

    /** prompt_eval_count and eval_count; Ollama reports neither reasoning nor cache apart. */
    @Override
    TokenUsage normalise(JsonNode usage) {
        return TokenUsage.reported(ProviderJson.tokenCount(usage, "/prompt_eval_count"),
                ProviderJson.tokenCount(usage, "/eval_count"), null, null);
    }

    private void usage(JsonNode done) {
        ObjectNode counts = Json.MAPPER.createObjectNode();
        for (String field : USAGE_FIELDS) {
            if (done.path(field).isNumber()) {
                counts.set(field, done.get(field));
            }
        }
        usage = counts.isEmpty() ? null : counts;
    }
}
