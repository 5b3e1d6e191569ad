package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.usage.TokenUsage;
import dev.rewind.protocol.Json;
import java.util.function.Consumer;

/**
 * Anthropic Messages per WIRE-FORMATS §4: text and thinking deltas, tool-use blocks with
 * {@code input_json_delta} fragments (numbered in order of appearance, the block index kept), the
 * stop reason from {@code message_delta}, usage merged key by key over {@code message_start}'s
 * (the counts are cumulative, never added), {@code message_stop} as the terminal marker, and
 * {@code error} events. Unknown event and delta types are tolerated, as Anthropic requires.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class AnthropicExtractor extends ProviderStream {


    @Override
    public void event(SseEvent event, Consumer<Extracted> out) {
        if (terminated || event.data().isBlank()) {
            return;
        }
        JsonNode data = ProviderJson.object(event, out);
        if (data == null) {
            return;
        }
        String type = data.path("type").asText(event.type());
        switch (type) {
            case "message_start" -> mergeUsage(data.at("/message/usage"));
            case "content_block_start" -> blockStart(data, out);
            case "content_block_delta" -> blockDelta(data, out);
            case "message_delta" -> {
                ProviderJson.text(data.path("delta"), "stop_reason").ifPresent(reason -> finishReason = reason);
                mergeUsage(data.path("usage"));
            }
            case "message_stop" -> {
                terminated = true;
                toolCalls.finish(out);
            }
            case "error" -> out.accept(new Extracted.UpstreamError(
                    data.at("/error/type").asText("upstream_error"), data.at("/error/message").asText("")));
            default -> { } // ping, content_block_stop and types added later
        }
    }

    private void blockStart(JsonNode data, Consumer<Extracted> out) {
        JsonNode block = data.path("content_block");
        int index = data.path("index").asInt();
        switch (block.path("type").asText()) {
            case "text" -> ProviderJson.text(block, "text").ifPresent(text -> out.accept(new Extracted.Text(text)));
            case "thinking" -> ProviderJson.text(block, "thinking").ifPresent(text -> out.accept(new Extracted.Reasoning(text)));
            // the block's placeholder "input": {} is not an argument fragment
            case "tool_use", "server_tool_use" -> toolCalls.open(Integer.toString(index), index,
                    block.path("id").asText(null), block.path("name").asText(null));
            default -> { }
        }
    }

    private void blockDelta(JsonNode data, Consumer<Extracted> out) {
        JsonNode delta = data.path("delta");
        String index = Integer.toString(data.path("index").asInt());
        switch (delta.path("type").asText()) {
            case "text_delta" -> ProviderJson.text(delta, "text").ifPresent(text -> out.accept(new Extracted.Text(text)));
            case "thinking_delta" -> ProviderJson.text(delta, "thinking").ifPresent(text -> out.accept(new Extracted.Reasoning(text)));
            case "input_json_delta" -> {
                if (toolCalls.has(index)) {
                    toolCalls.delta(toolCalls.open(index, null, null, null), delta.path("partial_json").asText(""), out);
                } else {
                    out.accept(new Extracted.Malformed("unknown-block", "input_json_delta for block " + index
                            + " that did not start as a tool_use block"));
                }
            }
            default -> { } // signature_delta, citations_delta and types added later
        }
    }

    /**
     * Anthropic counts cache reads and writes apart from {@code input_tokens}: the whole prompt is their
     * sum. Thinking is billed inside {@code output_tokens} and not reported apart (reasoning is null).
     */
    @Override
    TokenUsage normalise(JsonNode usage) {
        Long cacheRead = ProviderJson.tokenCount(usage, "/cache_read_input_tokens");
        return TokenUsage.reported(ProviderJson.sumOfPresent(ProviderJson.tokenCount(usage, "/input_tokens"), cacheRead,
                        ProviderJson.tokenCount(usage, "/cache_creation_input_tokens")),
                ProviderJson.tokenCount(usage, "/output_tokens"), null, cacheRead);
    }

    private void mergeUsage(JsonNode reported) {
        if (!reported.isObject()) {
            return;
        }
        if (usage == null) {
            usage = Json.MAPPER.createObjectNode();
        }
        ((ObjectNode) usage).setAll((ObjectNode) reported);
    }
}
