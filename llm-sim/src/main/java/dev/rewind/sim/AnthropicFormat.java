package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic Messages streaming (WIRE-FORMATS §4): {@code message_start}, one text block with a
 * {@code text_delta} per token, a {@code ping}, {@code message_delta} with the stop reason and the
 * cumulative output tokens, then {@code message_stop}.
 */
final class AnthropicFormat implements StreamFormat {

    static final AnthropicFormat INSTANCE = new AnthropicFormat();

    private AnthropicFormat() {}

    @Override
    public String contentType() {
        return "text/event-stream; charset=utf-8";
    }

    @Override
    public byte[] inBandError() {
        return event("error", Json.MAPPER.createObjectNode().put("type", "error").set("error",
                Json.MAPPER.createObjectNode().put("type", "overloaded_error").put("message", "Overloaded")));
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, long created, JsonNode request) {
        List<StreamFrame> frames = new ArrayList<>();
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("id", "msg_" + plan.id().substring("chatcmpl-".length()));
        message.put("type", "message").put("role", "assistant").put("model", plan.model());
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", plan.promptTokens()).put("output_tokens", 1);
        frames.add(frame("message_start", Json.MAPPER.createObjectNode().put("type", "message_start").set("message", message)));
        ObjectNode block = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", 0);
        block.putObject("content_block").put("type", "text").put("text", "");
        frames.add(frame("content_block_start", block));
        frames.add(frame("ping", Json.MAPPER.createObjectNode().put("type", "ping")));
        for (String token : plan.tokens()) {
            ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", token);
            frames.add(new StreamFrame(event("content_block_delta", delta), true));
        }
        frames.add(frame("content_block_stop", Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", 0)));
        ObjectNode end = Json.MAPPER.createObjectNode().put("type", "message_delta");
        end.putObject("delta").put("stop_reason", plan.finishReason().equals("length") ? "max_tokens" : "end_turn")
                .putNull("stop_sequence");
        end.putObject("usage").put("output_tokens", plan.completionTokens());
        frames.add(frame("message_delta", end));
        frames.add(frame("message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop")));
        return frames;
    }

    private static StreamFrame frame(String name, ObjectNode data) {
        return new StreamFrame(event(name, data), false);
    }

    private static byte[] event(String name, ObjectNode data) {
        return ("event: " + name + "\ndata: " + Json.toString(data) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}
