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
 * Gemini {@code streamGenerateContent?alt=sse} (WIRE-FORMATS §5): {@code data: <GenerateContentResponse>}
 * events with CRLF line endings, no {@code [DONE]}, ending at EOF. One event per token: reasoning
 * tokens as parts with {@code "thought": true}, text parts, then all tool calls as
 * {@code functionCall{name, args}} parts of one event; the last event carries the upper-case
 * {@code finishReason} and {@code usageMetadata}.
 */
final class GeminiFormat implements StreamFormat {

    static final GeminiFormat INSTANCE = new GeminiFormat();
    private static final byte[] PING = ": ping\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private GeminiFormat() {}

    @Override
    public String contentType() {
        return "text/event-stream";
    }

    @Override
    public byte[] inBandError() {
        return Sse.dataCrlf(ErrorShape.GOOGLE.body(503, null, "The model is overloaded. Please try again later."));
    }

    @Override
    public byte[] malformed() {
        return "data: {\"candidates\": [{\"content\": {broken\r\n\r\n".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] keepAlive() {
        return PING;
    }

    @Override
    public ErrorShape errorShape() {
        return ErrorShape.GOOGLE;
    }

    /** The method itself streams; the body has no {@code stream} field. */
    @Override
    public boolean streamsByDefault() {
        return true;
    }

    @Override
    public Optional<String> problemWith(JsonNode body, RequestHeaders headers) {
        return body.path("contents").isArray() && !body.path("contents").isEmpty()
                ? Optional.empty() : Optional.of("* GenerateContentRequest.contents: contents is not specified");
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, StreamContext context) {
        List<ArrayNode> events = new ArrayList<>();
        for (String token : plan.reasoning()) {
            events.add(parts().add(Json.MAPPER.createObjectNode().put("text", token).put("thought", true)));
        }
        for (String token : plan.tokens()) {
            events.add(parts().add(Json.MAPPER.createObjectNode().put("text", token)));
        }
        if (!plan.toolCalls().isEmpty()) {
            ArrayNode calls = parts();
            plan.toolCalls().forEach(call -> calls.addObject().putObject("functionCall").put("name", call.name())
                    .set("args", call.arguments()));
            events.add(calls);
        }
        if (events.isEmpty()) {
            events.add(parts().add(Json.MAPPER.createObjectNode().put("text", "")));
        }
        List<StreamFrame> frames = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            frames.add(new StreamFrame(Sse.dataCrlf(response(plan, events.get(i), i == events.size() - 1)), true));
        }
        return frames;
    }

    private static ObjectNode response(SimulatedCompletion plan, ArrayNode parts, boolean last) {
        ObjectNode response = Json.MAPPER.createObjectNode();
        ObjectNode candidate = response.putArray("candidates").addObject();
        candidate.putObject("content").<ObjectNode>set("parts", parts).put("role", "model");
        if (last) {
            candidate.put("finishReason", plan.finishReason().equals("length") ? "MAX_TOKENS" : "STOP");
        }
        candidate.put("index", 0);
        if (last) {
            int thoughts = plan.reasoning().size();
            ObjectNode usage = response.putObject("usageMetadata").put("promptTokenCount", plan.promptTokens())
                    .put("candidatesTokenCount", plan.completionTokens() - thoughts)
                    .put("totalTokenCount", plan.promptTokens() + plan.completionTokens());
            if (thoughts > 0) {
                usage.put("thoughtsTokenCount", thoughts);
            }
        }
        response.put("modelVersion", plan.model());
        response.put("responseId", plan.id().substring("chatcmpl-".length()));
        return response;
    }

    private static ArrayNode parts() {
        return Json.MAPPER.createArrayNode();
    }
}
