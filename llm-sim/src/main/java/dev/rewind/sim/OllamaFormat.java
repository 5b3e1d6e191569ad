package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Ollama's native {@code /api/chat} (WIRE-FORMATS §5): NDJSON, one object per line with
 * {@code message.thinking} per reasoning token, {@code message.content} per token, all tool calls
 * whole in one line ({@code arguments} an object), and a last line with {@code done: true},
 * {@code done_reason} and the counts and durations (ns). Ollama streams unless {@code "stream": false}.
 * The durations are nominal, derived from the configured pace, since lines are planned before sending.
 */
final class OllamaFormat implements StreamFormat {

    static final OllamaFormat INSTANCE = new OllamaFormat();
    private static final long LOAD_NANOS = 2_500_000;

    private OllamaFormat() {}

    @Override
    public String contentType() {
        return "application/x-ndjson";
    }

    @Override
    public byte[] inBandError() {
        return line(ErrorShape.OLLAMA.body(503, null, "server busy, please try again. maximum pending requests exceeded"));
    }

    @Override
    public byte[] malformed() {
        return "{\"model\": \"sim\", \"message\": {\"role\": \"assistant\", \"content\": broken\n".getBytes(StandardCharsets.UTF_8);
    }

    /** NDJSON has no comment syntax and Ollama sends no keep-alive. */
    @Override
    public byte[] keepAlive() {
        return new byte[0];
    }

    @Override
    public ErrorShape errorShape() {
        return ErrorShape.OLLAMA;
    }

    @Override
    public boolean streamsByDefault() {
        return true;
    }

    @Override
    public Optional<String> problemWith(JsonNode body, RequestHeaders headers) {
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            return Optional.of("model is required");
        }
        return body.path("messages").isArray() ? Optional.empty() : Optional.of("messages must be an array of messages");
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, StreamContext context) {
        List<StreamFrame> frames = new ArrayList<>();
        if (context.request().path("messages").isEmpty()) {
            frames.add(new StreamFrame(line(loaded(plan, context)), false));
            return frames;
        }
        int position = 0;
        for (String token : plan.reasoning()) {
            ObjectNode chunk = chunk(plan, context, position++);
            ((ObjectNode) chunk.get("message")).put("thinking", token);
            frames.add(new StreamFrame(line(chunk), true));
        }
        for (String token : plan.tokens()) {
            ObjectNode chunk = chunk(plan, context, position++);
            ((ObjectNode) chunk.get("message")).put("content", token);
            frames.add(new StreamFrame(line(chunk), true));
        }
        if (!plan.toolCalls().isEmpty()) {
            ObjectNode chunk = chunk(plan, context, position++);
            ((ObjectNode) chunk.get("message")).set("tool_calls", toolCalls(plan));
            frames.add(new StreamFrame(line(chunk), true));
        }
        frames.add(new StreamFrame(line(finish(chunk(plan, context, position), plan, context)), false));
        return frames;
    }

    /** The whole answer for {@code "stream": false}: one object, the final line with the full message. */
    @Override
    public Optional<JsonNode> complete(SimulatedCompletion plan, StreamContext context) {
        if (context.request().path("messages").isEmpty()) {
            return Optional.of(loaded(plan, context));
        }
        ObjectNode body = chunk(plan, context, plan.completionTokens());
        ObjectNode message = ((ObjectNode) body.get("message")).put("content", plan.text());
        if (!plan.reasoning().isEmpty()) {
            message.put("thinking", plan.reasoningText());
        }
        if (!plan.toolCalls().isEmpty()) {
            message.set("tool_calls", toolCalls(plan));
        }
        return Optional.of(finish(body, plan, context));
    }

    private static ArrayNode toolCalls(SimulatedCompletion plan) {
        ArrayNode calls = Json.MAPPER.createArrayNode();
        plan.toolCalls().forEach(call -> calls.addObject().putObject("function").put("name", call.name())
                .set("arguments", call.arguments()));
        return calls;
    }

    /** Ollama's answer to an empty conversation: the model was loaded, nothing generated. */
    private static ObjectNode loaded(SimulatedCompletion plan, StreamContext context) {
        ObjectNode body = chunk(plan, context, 0);
        body.put("done_reason", "load").put("done", true);
        return body;
    }

    private static ObjectNode finish(ObjectNode last, SimulatedCompletion plan, StreamContext context) {
        long promptNanos = Math.max(1, context.firstTokenDelayMs()) * 1_000_000;
        long evalNanos = Math.max(1, plan.completionTokens() * context.tokenIntervalMs()) * 1_000_000;
        return last.put("done", true).put("done_reason", plan.finishReason().equals("length") ? "length" : "stop")
                .put("total_duration", LOAD_NANOS + promptNanos + evalNanos).put("load_duration", LOAD_NANOS)
                .put("prompt_eval_count", plan.promptTokens()).put("prompt_eval_duration", promptNanos)
                .put("eval_count", plan.completionTokens()).put("eval_duration", evalNanos);
    }

    /** A line at the nominal time of the {@code position}-th generated token. */
    private static ObjectNode chunk(SimulatedCompletion plan, StreamContext context, int position) {
        Instant at = context.created().plusMillis(context.firstTokenDelayMs() + position * context.tokenIntervalMs());
        ObjectNode chunk = Json.MAPPER.createObjectNode().put("model", plan.model()).put("created_at", at.toString());
        chunk.putObject("message").put("role", "assistant").put("content", "");
        chunk.put("done", false);
        return chunk;
    }

    private static byte[] line(JsonNode json) {
        return (Json.toString(json) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
