package dev.rewind.processor.provider;

import java.util.Map;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.usage.TokenUsage;
import java.util.function.Consumer;

/**
 * A provider's stream semantics over its events (SSE events, or NDJSON lines as events): what they
 * say in Rewind's terms. Implementations are plain state kept in the processor's store.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "format")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ChatCompletionsExtractor.class, name = "openai-chat"),
    @JsonSubTypes.Type(value = AnthropicExtractor.class, name = "anthropic"),
    @JsonSubTypes.Type(value = ResponsesExtractor.class, name = "openai-responses"),
    @JsonSubTypes.Type(value = OllamaExtractor.class, name = "ollama"),
    @JsonSubTypes.Type(value = GeminiExtractor.class, name = "gemini")
})
public sealed interface StreamExtractor permits ProviderStream {

    /** How the provider frames its events on the wire. */
    enum Framing { SSE, NDJSON }

    default Framing framing() {
        return Framing.SSE;
    }

    void event(SseEvent event, Consumer<Extracted> out);

    /** The stream's bytes are over: each tool call's final event, once. */
    void endOfStream(Consumer<Extracted> out);

    /** The provider's own finish reason, or null when it never said. */
    String finishReason();

    /** The finish reason for clients: stop | length | tool_calls | content_filter. */
    default String normalisedFinishReason() {
        return FinishReasons.normalise(finishReason(), toolCallCount() > 0);
    }

    /** Tool calls seen so far. */
    int toolCallCount();

    /** Characters kept for tool calls: the one part of the state that grows with the stream (bounded by ingest's response limit). */
    long toolCallChars();

    /** Each tool call's argument text so far, by call index. */
    Map<Integer, ArgumentText> toolCallArguments();

    /** The provider's usage report as it reported it (merged where the provider's counts are cumulative). */
    JsonNode usage();

    /**
     * The provider's usage in Rewind's names ({@link TokenUsage}), or null when it reported none.
     * Read once, when the attempt ends: nothing of it is computed per token.
     */
    TokenUsage tokenUsage();

    /** True once the provider's terminal marker arrived. */
    boolean terminated();

    /** The extractor for {@code format}. */
    static StreamExtractor forFormat(ProviderFormat format) {
        return switch (format) {
            case OPENAI_CHAT -> new ChatCompletionsExtractor();
            case ANTHROPIC -> new AnthropicExtractor();
            case OPENAI_RESPONSES -> new ResponsesExtractor();
            case OLLAMA -> new OllamaExtractor();
            case GEMINI -> new GeminiExtractor();
        };
    }
}
