package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.usage.TokenUsage;
import java.util.function.Consumer;

/**
 * Gemini {@code streamGenerateContent?alt=sse} per WIRE-FORMATS §5: each event a whole
 * GenerateContentResponse; {@code candidates[].content.parts[]} carry text, reasoning
 * ({@code thought: true}) and whole {@code functionCall}s; {@code finishReason} is uppercase;
 * {@code usageMetadata} is restated in full on each chunk (the last wins). There is no terminal
 * marker: a stream that reaches its end after a chunk with a finish reason (or a blocked prompt's
 * {@code promptFeedback.blockReason}) is terminated, one that ends before is truncated. An
 * {@code {"error": {code, message, status}}} event is an in-band error.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class GeminiExtractor extends ProviderStream {

    private boolean blocked;
    private boolean ended;


    @Override
    public void event(SseEvent event, Consumer<Extracted> out) {
        if (event.data().isBlank()) {
            return;
        }
        JsonNode chunk = ProviderJson.object(event, out);
        if (chunk == null) {
            return;
        }
        if (chunk.hasNonNull("error")) {
            JsonNode error = chunk.get("error");
            String code = error.path("status").isTextual() ? error.get("status").asText()
                    : error.path("code").isValueNode() ? error.get("code").asText() : "upstream_error";
            out.accept(new Extracted.UpstreamError(code, error.isTextual() ? error.asText() : error.path("message").asText("")));
            return;
        }
        // a candidate's content, when present, is an object whose parts are an array of objects
        JsonNode candidates = ProviderJson.entries(chunk.path("candidates"), "candidates",
                candidate -> ProviderJson.absentOrObjectWithArrayOfObjects(candidate.path("content"), "parts"), event, out);
        if (candidates == null) {
            return;
        }
        for (JsonNode candidate : candidates) {
            candidate(candidate, out);
        }
        ProviderJson.text(chunk.path("promptFeedback"), "blockReason").ifPresent(reason -> {
            finishReason = reason;
            blocked = true;
        });
        if (chunk.path("usageMetadata").isObject()) {
            usage = chunk.get("usageMetadata");
        }
    }

    /**
     * promptTokenCount includes cachedContentTokenCount; candidatesTokenCount leaves out the thoughts,
     * which are billed as output: output is their sum.
     */
    @Override
    TokenUsage normalise(JsonNode usage) {
        Long thoughts = ProviderJson.tokenCount(usage, "/thoughtsTokenCount");
        return TokenUsage.reported(ProviderJson.tokenCount(usage, "/promptTokenCount"),
                ProviderJson.sumOfPresent(ProviderJson.tokenCount(usage, "/candidatesTokenCount"), thoughts), thoughts,
                ProviderJson.tokenCount(usage, "/cachedContentTokenCount"));
    }

    private void candidate(JsonNode candidate, Consumer<Extracted> out) {
        int candidateIndex = candidate.path("index").asInt(0);
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.path("functionCall").isObject()) {
                JsonNode call = part.get("functionCall");
                toolCalls.whole(candidateIndex + ":" + toolCalls.size(), null, call.path("id").asText(null),
                        call.path("name").asText(null), call.path("args"), out);
            } else if (part.path("thought").asBoolean(false)) {
                ProviderJson.text(part, "text").ifPresent(text -> out.accept(new Extracted.Reasoning(text)));
            } else {
                ProviderJson.text(part, "text").ifPresent(text -> out.accept(new Extracted.Text(text)));
            }
        }
        if (candidate.path("finishReason").isTextual() && !candidate.get("finishReason").asText().isEmpty()) {
            finishReason = candidate.get("finishReason").asText();
        }
    }

    @Override
    public void endOfStream(Consumer<Extracted> out) {
        ended = true;
        toolCalls.finish(out);
    }

    /** A blocked prompt is content_filter whatever the block reason ({@code OTHER} included). */
    @Override
    public String normalisedFinishReason() {
        return blocked ? "content_filter" : FinishReasons.normalise(finishReason, toolCalls.size() > 0);
    }

    /** Gemini has no terminal marker: the end of the stream after the provider said why it finished. */
    @Override
    public boolean terminated() {
        return ended && finishReason != null;
    }
}
