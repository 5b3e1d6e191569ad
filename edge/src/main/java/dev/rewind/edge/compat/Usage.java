package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;

/**
 * The upstream's usage (as the provider reported it, kept raw by the processor) in OpenAI's
 * shape: OpenAI's own names, Anthropic's and the Responses API's input/output tokens, Gemini's
 * token counts and Ollama's eval counts.
 */
final class Usage {

    private Usage() {}

    /** {@code {prompt_tokens, completion_tokens, total_tokens}}, or null when the upstream reported none. */
    static ObjectNode openAi(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        Long prompt = first(usage, "prompt_tokens", "input_tokens", "promptTokenCount", "prompt_eval_count");
        Long completion = first(usage, "completion_tokens", "output_tokens", "candidatesTokenCount", "eval_count");
        Long total = first(usage, "total_tokens", "totalTokenCount");
        if (prompt == null && completion == null && total == null) {
            return null;
        }
        long p = prompt == null ? 0 : prompt;
        long c = completion == null ? 0 : completion;
        return Json.MAPPER.createObjectNode()
                .put("prompt_tokens", p)
                .put("completion_tokens", c)
                .put("total_tokens", total == null ? p + c : total);
    }

    private static Long first(JsonNode usage, String... names) {
        for (String name : names) {
            JsonNode value = usage.get(name);
            if (value != null && value.canConvertToLong()) {
                return value.asLong();
            }
        }
        return null;
    }
}
