package dev.rewind.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI Chat Completions, rendered as the real API streams it (WIRE-FORMATS §2): a role chunk,
 * one content chunk per token, a finish chunk, the usage chunk when {@code include_usage} is set,
 * then {@code data: [DONE]}.
 */
final class ChatCompletionsFormat implements StreamFormat {

    static final String FINGERPRINT = "fp_rewind_sim";

    static final ChatCompletionsFormat INSTANCE = new ChatCompletionsFormat();

    private ChatCompletionsFormat() {}

    @Override
    public String contentType() {
        return "text/event-stream; charset=utf-8";
    }

    @Override
    public byte[] inBandError() {
        return ("data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":\"overloaded\"}}\n\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, long created, com.fasterxml.jackson.databind.JsonNode request) {
        return stream(plan, created, request.at("/stream_options/include_usage").asBoolean(false));
    }

    static List<StreamFrame> stream(SimulatedCompletion plan, long created, boolean includeUsage) {
        List<StreamFrame> frames = new ArrayList<>();
        ObjectNode roleDelta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
        frames.add(event(chunk(plan, created, roleDelta, null, includeUsage), false));
        for (String token : plan.tokens()) {
            frames.add(event(chunk(plan, created, Json.MAPPER.createObjectNode().put("content", token), null, includeUsage), true));
        }
        frames.add(event(chunk(plan, created, Json.MAPPER.createObjectNode(), plan.finishReason(), includeUsage), false));
        if (includeUsage) {
            ObjectNode usage = base(plan, created);
            usage.putArray("choices");
            usage.set("usage", usage(plan));
            frames.add(event(usage, false));
        }
        frames.add(new StreamFrame("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII), false));
        return frames;
    }

    /** The non-streaming {@code chat.completion} object. */
    static ObjectNode completion(SimulatedCompletion plan, long created) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("id", plan.id());
        body.put("object", "chat.completion");
        body.put("created", created);
        body.put("model", plan.model());
        body.put("system_fingerprint", FINGERPRINT);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", plan.text()).putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", plan.finishReason());
        body.set("usage", usage(plan));
        return body;
    }

    private static ObjectNode chunk(SimulatedCompletion plan, long created, ObjectNode delta, String finish, boolean includeUsage) {
        ObjectNode chunk = base(plan, created);
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static ObjectNode base(SimulatedCompletion plan, long created) {
        ObjectNode chunk = Json.MAPPER.createObjectNode();
        chunk.put("id", plan.id());
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", plan.model());
        chunk.put("system_fingerprint", FINGERPRINT);
        return chunk;
    }

    private static ObjectNode usage(SimulatedCompletion plan) {
        return Json.MAPPER.createObjectNode()
                .put("prompt_tokens", plan.promptTokens())
                .put("completion_tokens", plan.completionTokens())
                .put("total_tokens", plan.promptTokens() + plan.completionTokens());
    }

    private static StreamFrame event(ObjectNode data, boolean token) {
        return new StreamFrame(("data: " + Json.toString(data) + "\n\n").getBytes(StandardCharsets.UTF_8), token);
    }
}
