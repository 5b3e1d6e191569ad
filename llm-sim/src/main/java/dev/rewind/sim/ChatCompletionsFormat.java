package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OpenAI Chat Completions, rendered as the real API streams it (WIRE-FORMATS §2): a role chunk,
 * one {@code reasoning_content} chunk per reasoning token, one content chunk per token, tool calls
 * as {@code delta.tool_calls} fragments (parallel calls interleaved by index), a finish chunk, the
 * usage chunk when {@code include_usage} is set, then {@code data: [DONE]}.
 */
final class ChatCompletionsFormat implements StreamFormat {

    static final String FINGERPRINT = "fp_rewind_sim";

    static final ChatCompletionsFormat INSTANCE = new ChatCompletionsFormat();

    private ChatCompletionsFormat() {}

    @Override
    public byte[] inBandError() {
        return ("data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":\"overloaded\"}}\n\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] malformed() {
        return "data: {\"choices\": [{\"delta\": {broken\n\n".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> problemWith(JsonNode body, RequestHeaders headers) {
        if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
            return Optional.of("'messages' must be a non-empty array.");
        }
        return body.path("n").asInt(1) != 1 ? Optional.of("This simulator streams exactly one choice: 'n' must be 1.") : Optional.empty();
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, StreamContext context) {
        boolean includeUsage = context.request().at("/stream_options/include_usage").asBoolean(false);
        long created = context.createdSeconds();
        List<StreamFrame> frames = new ArrayList<>();
        ObjectNode roleDelta = Json.MAPPER.createObjectNode().put("role", "assistant");
        if (plan.tokens().isEmpty() && !plan.toolCalls().isEmpty()) {
            roleDelta.putNull("content");
        } else {
            roleDelta.put("content", "");
        }
        frames.add(chunk(plan, created, roleDelta, null, includeUsage, false));
        for (String token : plan.reasoning()) {
            frames.add(chunk(plan, created, Json.MAPPER.createObjectNode().put("reasoning_content", token), null, includeUsage, true));
        }
        for (String token : plan.tokens()) {
            frames.add(chunk(plan, created, Json.MAPPER.createObjectNode().put("content", token), null, includeUsage, true));
        }
        toolCallFrames(plan, created, includeUsage, frames);
        frames.add(chunk(plan, created, Json.MAPPER.createObjectNode(), plan.finishReason(), includeUsage, false));
        if (includeUsage) {
            ObjectNode usage = base(plan, created);
            usage.putArray("choices");
            usage.set("usage", usage(plan));
            frames.add(new StreamFrame(Sse.data(usage), false));
        }
        frames.add(new StreamFrame("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII), false));
        return frames;
    }

    /** Round-robin over the calls: each call's first fragment carries id, type and name; arguments follow as strings. */
    private static void toolCallFrames(SimulatedCompletion plan, long created, boolean includeUsage, List<StreamFrame> frames) {
        int rounds = plan.toolCalls().stream().mapToInt(call -> call.argumentFragments().size()).max().orElse(0);
        for (int round = 0; round < rounds; round++) {
            for (int index = 0; index < plan.toolCalls().size(); index++) {
                SimulatedToolCall call = plan.toolCalls().get(index);
                if (round == 0) {
                    ObjectNode head = toolCallDelta(index);
                    head.put("id", call.id()).put("type", "function");
                    head.putObject("function").put("name", call.name()).put("arguments", "");
                    frames.add(chunk(plan, created, wrap(head), null, includeUsage, false));
                }
                if (round < call.argumentFragments().size()) {
                    ObjectNode fragment = toolCallDelta(index);
                    fragment.putObject("function").put("arguments", call.argumentFragments().get(round));
                    frames.add(chunk(plan, created, wrap(fragment), null, includeUsage, true));
                }
            }
        }
    }

    private static ObjectNode toolCallDelta(int index) {
        return Json.MAPPER.createObjectNode().put("index", index);
    }

    private static ObjectNode wrap(ObjectNode toolCall) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(toolCall);
        return delta;
    }

    /** The non-streaming {@code chat.completion} object. */
    @Override
    public Optional<JsonNode> complete(SimulatedCompletion plan, StreamContext context) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("id", plan.id());
        body.put("object", "chat.completion");
        body.put("created", context.createdSeconds());
        body.put("model", plan.model());
        body.put("system_fingerprint", FINGERPRINT);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (plan.tokens().isEmpty() && !plan.toolCalls().isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", plan.text());
        }
        message.putNull("refusal");
        if (!plan.reasoning().isEmpty()) {
            message.put("reasoning_content", plan.reasoningText());
        }
        if (!plan.toolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            plan.toolCalls().forEach(call -> calls.addObject().put("id", call.id()).put("type", "function")
                    .putObject("function").put("name", call.name()).put("arguments", call.argumentsJson()));
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", plan.finishReason());
        body.set("usage", usage(plan));
        return Optional.of(body);
    }

    private static StreamFrame chunk(SimulatedCompletion plan, long created, ObjectNode delta, String finish, boolean includeUsage,
            boolean token) {
        ObjectNode chunk = base(plan, created);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return new StreamFrame(Sse.data(chunk), token);
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
        ObjectNode usage = Json.MAPPER.createObjectNode()
                .put("prompt_tokens", plan.promptTokens())
                .put("completion_tokens", plan.completionTokens())
                .put("total_tokens", plan.promptTokens() + plan.completionTokens());
        if (!plan.reasoning().isEmpty()) {
            usage.putObject("completion_tokens_details").put("reasoning_tokens", plan.reasoning().size());
        }
        return usage;
    }
}
