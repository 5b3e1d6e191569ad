package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI Responses streaming (WIRE-FORMATS §3): {@code response.created}, a message output item
 * with one {@code response.output_text.delta} per token, the {@code *.done} restatements, then
 * {@code response.completed} (or {@code response.incomplete} when cut by the token limit) with usage.
 * Every event carries its {@code sequence_number}.
 */
final class ResponsesFormat implements StreamFormat {

    static final ResponsesFormat INSTANCE = new ResponsesFormat();

    private ResponsesFormat() {}

    @Override
    public String contentType() {
        return "text/event-stream; charset=utf-8";
    }

    @Override
    public byte[] inBandError() {
        return event("error", Json.MAPPER.createObjectNode().put("type", "error").put("code", "server_is_overloaded")
                .put("message", "The server is overloaded").putNull("param"));
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, long created, JsonNode request) {
        String id = plan.id().substring("chatcmpl-".length());
        String itemId = "msg_" + id;
        List<StreamFrame> frames = new ArrayList<>();
        Sequence seq = new Sequence();
        frames.add(frame(seq.next("response.created").set("response", response(plan, "resp_" + id, created, "in_progress"))));
        ObjectNode added = seq.next("response.output_item.added").put("output_index", 0);
        added.putObject("item").put("id", itemId).put("type", "message").put("status", "in_progress")
                .put("role", "assistant").putArray("content");
        frames.add(frame(added));
        for (String token : plan.tokens()) {
            ObjectNode delta = seq.next("response.output_text.delta").put("item_id", itemId).put("output_index", 0)
                    .put("content_index", 0).put("delta", token);
            frames.add(new StreamFrame(event(delta.get("type").asText(), delta), true));
        }
        frames.add(frame(seq.next("response.output_text.done").put("item_id", itemId).put("output_index", 0)
                .put("content_index", 0).put("text", plan.text())));
        boolean cut = plan.finishReason().equals("length");
        ObjectNode done = response(plan, "resp_" + id, created, cut ? "incomplete" : "completed");
        if (cut) {
            done.putObject("incomplete_details").put("reason", "max_output_tokens");
        }
        done.putObject("usage").put("input_tokens", plan.promptTokens()).put("output_tokens", plan.completionTokens())
                .put("total_tokens", plan.promptTokens() + plan.completionTokens());
        frames.add(frame(seq.next(cut ? "response.incomplete" : "response.completed").set("response", done)));
        return frames;
    }

    private static ObjectNode response(SimulatedCompletion plan, String id, long created, String status) {
        ObjectNode response = Json.MAPPER.createObjectNode().put("id", id).put("object", "response")
                .put("created_at", created).put("status", status).put("model", plan.model());
        response.putArray("output");
        return response;
    }

    /** Numbers the events of one response from 0. */
    private static final class Sequence {
        private int next;

        ObjectNode next(String type) {
            return Json.MAPPER.createObjectNode().put("type", type).put("sequence_number", next++);
        }
    }

    private static StreamFrame frame(ObjectNode data) {
        return new StreamFrame(event(data.get("type").asText(), data), false);
    }

    private static byte[] event(String name, ObjectNode data) {
        return ("event: " + name + "\ndata: " + Json.toString(data) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}
