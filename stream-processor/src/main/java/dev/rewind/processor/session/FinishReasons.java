package dev.rewind.processor.session;

import java.util.Locale;

/** Providers' finish reasons, normalised for clients to stop | length | tool_calls | content_filter (DESIGN §3). */
final class FinishReasons {

    private FinishReasons() {}

    static String normalise(String provider) {
        if (provider == null) {
            return "stop";
        }
        return switch (provider.toLowerCase(Locale.ROOT)) {
            case "length", "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_calls", "function_call", "tool_use" -> "tool_calls";
            case "content_filter", "refusal", "safety", "recitation", "blocklist", "prohibited_content", "spii" ->
                    "content_filter";
            default -> "stop";
        };
    }
}
