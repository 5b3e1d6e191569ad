package dev.rewind.protocol.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.ProviderFormat;
import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The OpenTelemetry GenAI semantic-convention attributes Rewind's spans carry, and the names shared
 * by ingest and the processor. Written here rather than taken from the semconv-incubating artifact:
 * that one is unstable by design and would be one more dependency for a dozen strings.
 */
public final class GenAi {

    public static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
    /** The older name of {@link #PROVIDER_NAME}, which several backends still read. */
    public static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
    public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
    /** Prompt and completion text: set only with {@code telemetry.capture_content: true}. */
    public static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
    public static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("rewind.session.id");
    public static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("rewind.upstream");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("rewind.attempt");
    public static final String CHAT = "chat";
    /** Captured content is cut here: a span attribute is held in memory until export. */
    public static final int MAX_CONTENT_CHARS = 16_384;

    private GenAi() {}

    /** The convention's {@code gen_ai.provider.name} of a wire format ({@code ollama} has none there, so its own name). */
    public static String providerName(ProviderFormat format) {
        return switch (format) {
            case OPENAI_CHAT, OPENAI_RESPONSES -> "openai";
            case ANTHROPIC -> "anthropic";
            case GEMINI -> "gcp.gemini";
            case OLLAMA -> "ollama";
        };
    }

    /** Input tokens from a provider's usage object (each names them differently), or -1. */
    public static long inputTokens(JsonNode usage) {
        return firstNumber(usage, "prompt_tokens", "input_tokens", "promptTokenCount", "prompt_eval_count");
    }

    /** Output tokens from a provider's usage object, or -1. */
    public static long outputTokens(JsonNode usage) {
        return firstNumber(usage, "completion_tokens", "output_tokens", "candidatesTokenCount", "eval_count");
    }

    /** {@code text} cut to {@link #MAX_CONTENT_CHARS}. */
    public static String bounded(String text) {
        return text.length() <= MAX_CONTENT_CHARS ? text : text.substring(0, MAX_CONTENT_CHARS);
    }

    private static long firstNumber(JsonNode usage, String... names) {
        if (usage == null) {
            return -1;
        }
        for (String name : names) {
            JsonNode value = usage.get(name);
            if (value != null && value.canConvertToLong()) {
                return value.asLong();
            }
        }
        return -1;
    }
}
