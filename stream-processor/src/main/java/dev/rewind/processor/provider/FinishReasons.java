package dev.rewind.processor.provider;

import java.util.Locale;

/** Providers' finish reasons, normalised for clients to stop | length | tool_calls | content_filter (DESIGN §3). */
public final class FinishReasons {

    private FinishReasons() {}

    /**
     * {@code toolCalls}: the attempt streamed tool calls. Ollama and Gemini say {@code stop} / {@code STOP}
     * when the model stopped to call a tool (as do some Chat Completions servers), so a normal stop
     * after tool calls is {@code tool_calls}.
     */
    public static String normalise(String provider, boolean toolCalls) {
        String normalised = provider == null ? "stop" : switch (provider.toLowerCase(Locale.ROOT)) {
            case "length", "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_calls", "function_call", "tool_use" -> "tool_calls";
            case "content_filter", "refusal", "safety", "recitation", "blocklist", "prohibited_content", "spii",
                 "image_safety", "image_prohibited_content", "image_recitation" -> "content_filter";
            default -> "stop";
        };
        return toolCalls && normalised.equals("stop") ? "tool_calls" : normalised;
    }
}
