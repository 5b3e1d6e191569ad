package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.usage.TokenUsage;
import java.util.Map;
import java.util.function.Consumer;

/** What every provider's extractor keeps: its tool calls, finish reason, usage and whether its terminal marker came. */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
abstract sealed class ProviderStream implements StreamExtractor
        permits ChatCompletionsExtractor, AnthropicExtractor, ResponsesExtractor, OllamaExtractor, GeminiExtractor {

    final ToolCalls toolCalls = new ToolCalls();
    String finishReason;
    JsonNode usage;
    boolean terminated;

    @Override
    public void endOfStream(Consumer<Extracted> out) {
        toolCalls.finish(out);
    }

    @Override
    public String finishReason() {
        return finishReason;
    }

    @Override
    public int toolCallCount() {
        return toolCalls.size();
    }

    @Override
    public long toolCallChars() {
        return toolCalls.heldChars();
    }

    @Override
    public Map<Integer, ArgumentText> toolCallArguments() {
        return toolCalls.argumentTexts();
    }

    @Override
    public JsonNode usage() {
        return usage;
    }

    @Override
    public TokenUsage tokenUsage() {
        return usage == null ? null : normalise(usage);
    }

    /** The provider's own usage object in Rewind's names: what each format's counts mean (DESIGN §3). */
    abstract TokenUsage normalise(JsonNode usage);

    @Override
    public boolean terminated() {
        return terminated;
    }
}
