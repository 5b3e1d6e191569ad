package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Anthropic Messages streaming (WIRE-FORMATS §4): {@code message_start}; a {@code thinking} block
 * ({@code thinking_delta} per reasoning token, then a {@code signature_delta}); a text block with a
 * {@code text_delta} per token; one {@code tool_use} block per call with {@code input_json_delta}
 * fragments (the first {@code ""}); a {@code ping} after the first block starts; {@code message_delta}
 * with the stop reason and the cumulative output tokens; then {@code message_stop}.
 */
final class AnthropicFormat implements StreamFormat {

    static final AnthropicFormat INSTANCE = new AnthropicFormat();
    private static final byte[] PING = Sse.event("ping", Json.MAPPER.createObjectNode().put("type", "ping"));

    private AnthropicFormat() {}

    @Override
    public byte[] inBandError() {
        return Sse.event("error", ErrorShape.ANTHROPIC.body(529, null, "Overloaded"));
    }

    @Override
    public byte[] malformed() {
        return "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"delta\": {broken\n\n"
                .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] keepAlive() {
        return PING;
    }

    @Override
    public ErrorShape errorShape() {
        return ErrorShape.ANTHROPIC;
    }

    @Override
    public Optional<String> problemWith(JsonNode body, RequestHeaders headers) {
        if (headers.first("anthropic-version").isEmpty()) {
            return Optional.of("anthropic-version: header is required");
        }
        if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
            return Optional.of("messages: Field required");
        }
        return body.path("max_tokens").isIntegralNumber() ? Optional.empty() : Optional.of("max_tokens: Field required");
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, StreamContext context) {
        List<StreamFrame> frames = new ArrayList<>();
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("id", "msg_" + plan.id().substring("chatcmpl-".length()));
        message.put("type", "message").put("role", "assistant").put("model", plan.model());
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", plan.promptTokens()).put("output_tokens", 1);
        frames.add(frame("message_start", Json.MAPPER.createObjectNode().put("type", "message_start").set("message", message)));
        int index = 0;
        if (!plan.reasoning().isEmpty()) {
            ObjectNode thinking = Json.MAPPER.createObjectNode().put("type", "thinking").put("thinking", "").put("signature", "");
            blockStart(frames, index, thinking);
            for (String token : plan.reasoning()) {
                frames.add(delta(index, Json.MAPPER.createObjectNode().put("type", "thinking_delta").put("thinking", token), true));
            }
            frames.add(delta(index, Json.MAPPER.createObjectNode().put("type", "signature_delta")
                    .put("signature", signature(plan.reasoningText())), false));
            blockStop(frames, index++);
        }
        if (!plan.tokens().isEmpty() || plan.toolCalls().isEmpty()) {
            blockStart(frames, index, Json.MAPPER.createObjectNode().put("type", "text").put("text", ""));
            for (String token : plan.tokens()) {
                frames.add(delta(index, Json.MAPPER.createObjectNode().put("type", "text_delta").put("text", token), true));
            }
            blockStop(frames, index++);
        }
        for (SimulatedToolCall call : plan.toolCalls()) {
            ObjectNode toolUse = Json.MAPPER.createObjectNode().put("type", "tool_use").put("id", call.anthropicId())
                    .put("name", call.name());
            toolUse.putObject("input");
            blockStart(frames, index, toolUse);
            frames.add(delta(index, inputJson(""), false));
            for (String fragment : call.argumentFragments()) {
                frames.add(delta(index, inputJson(fragment), true));
            }
            blockStop(frames, index++);
        }
        ObjectNode end = Json.MAPPER.createObjectNode().put("type", "message_delta");
        end.putObject("delta").put("stop_reason", stopReason(plan)).putNull("stop_sequence");
        end.putObject("usage").put("output_tokens", plan.completionTokens());
        frames.add(frame("message_delta", end));
        frames.add(frame("message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop")));
        return frames;
    }

    private static String stopReason(SimulatedCompletion plan) {
        return switch (plan.finishReason()) {
            case "length" -> "max_tokens";
            case "tool_calls" -> "tool_use";
            default -> "end_turn";
        };
    }

    /** Starts block {@code index}; the first block is followed by the {@code ping} the real API sends there. */
    private static void blockStart(List<StreamFrame> frames, int index, ObjectNode block) {
        ObjectNode start = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
        start.set("content_block", block);
        frames.add(frame("content_block_start", start));
        if (index == 0) {
            frames.add(new StreamFrame(PING, false));
        }
    }

    private static void blockStop(List<StreamFrame> frames, int index) {
        frames.add(frame("content_block_stop", Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", index)));
    }

    private static StreamFrame delta(int index, ObjectNode delta, boolean token) {
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
        event.set("delta", delta);
        return new StreamFrame(Sse.event("content_block_delta", event), token);
    }

    private static ObjectNode inputJson(String partial) {
        return Json.MAPPER.createObjectNode().put("type", "input_json_delta").put("partial_json", partial);
    }

    /** A stand-in for Anthropic's opaque thinking signature: stable for the same reasoning. */
    private static String signature(String reasoning) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(reasoning.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private static StreamFrame frame(String name, ObjectNode data) {
        return new StreamFrame(Sse.event(name, data), false);
    }
}
