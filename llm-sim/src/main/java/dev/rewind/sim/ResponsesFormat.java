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
 * OpenAI Responses streaming (WIRE-FORMATS §3): {@code response.created} and {@code .in_progress};
 * a {@code reasoning} output item with {@code response.reasoning_summary_text.delta} per reasoning
 * token; a {@code message} item with a {@code response.output_text.delta} per token; one
 * {@code function_call} item per tool call with {@code response.function_call_arguments.delta}
 * fragments and {@code .done}; each item's {@code *.done} restatements; then
 * {@code response.completed} (or {@code response.incomplete} when cut by the token limit) with the
 * output and usage. Every event carries its {@code sequence_number}.
 */
final class ResponsesFormat implements StreamFormat {

    static final ResponsesFormat INSTANCE = new ResponsesFormat();

    private ResponsesFormat() {}

    @Override
    public byte[] inBandError() {
        return Sse.event("error", Json.MAPPER.createObjectNode().put("type", "error").put("code", "server_is_overloaded")
                .put("message", "The server is overloaded").putNull("param"));
    }

    @Override
    public byte[] malformed() {
        return "event: response.output_text.delta\ndata: {\"type\": \"response.output_text.delta\", \"delta\": broken\n\n"
                .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> problemWith(JsonNode body, RequestHeaders headers) {
        JsonNode input = body.path("input");
        return input.isMissingNode() || input.isEmpty() && !input.isTextual()
                ? Optional.of("Missing required parameter: 'input'.") : Optional.empty();
    }

    @Override
    public List<StreamFrame> stream(SimulatedCompletion plan, StreamContext context) {
        String id = plan.id().substring("chatcmpl-".length());
        Events events = new Events();
        boolean cut = plan.finishReason().equals("length");
        events.add(events.next("response.created").set("response", response(plan, id, context, "in_progress")));
        events.add(events.next("response.in_progress").set("response", response(plan, id, context, "in_progress")));
        ArrayNode output = Json.MAPPER.createArrayNode();
        if (!plan.reasoning().isEmpty()) {
            output.add(reasoning(plan, "rs_" + id, output.size(), events));
        }
        if (!plan.tokens().isEmpty() || plan.toolCalls().isEmpty()) {
            output.add(message(plan, "msg_" + id, output.size(), cut, events));
        }
        for (SimulatedToolCall call : plan.toolCalls()) {
            output.add(functionCall(call, output.size(), events));
        }
        ObjectNode done = response(plan, id, context, cut ? "incomplete" : "completed");
        if (cut) {
            done.putObject("incomplete_details").put("reason", "max_output_tokens");
        }
        done.set("output", output);
        ObjectNode usage = done.putObject("usage").put("input_tokens", plan.promptTokens()).put("output_tokens", plan.completionTokens())
                .put("total_tokens", plan.promptTokens() + plan.completionTokens());
        usage.putObject("output_tokens_details").put("reasoning_tokens", plan.reasoning().size());
        events.add(events.next(cut ? "response.incomplete" : "response.completed").set("response", done));
        return events.frames;
    }

    private static ObjectNode reasoning(SimulatedCompletion plan, String itemId, int outputIndex, Events events) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", itemId).put("type", "reasoning");
        item.putArray("summary");
        events.add(events.next("response.output_item.added").put("output_index", outputIndex).set("item", item.deepCopy()));
        ObjectNode part = Json.MAPPER.createObjectNode().put("type", "summary_text").put("text", "");
        events.add(summary(events.next("response.reasoning_summary_part.added"), itemId, outputIndex).set("part", part.deepCopy()));
        for (String token : plan.reasoning()) {
            events.token(summary(events.next("response.reasoning_summary_text.delta"), itemId, outputIndex).put("delta", token));
        }
        events.add(summary(events.next("response.reasoning_summary_text.done"), itemId, outputIndex).put("text", plan.reasoningText()));
        part.put("text", plan.reasoningText());
        events.add(summary(events.next("response.reasoning_summary_part.done"), itemId, outputIndex).set("part", part.deepCopy()));
        ((ArrayNode) item.get("summary")).add(part);
        events.add(events.next("response.output_item.done").put("output_index", outputIndex).set("item", item));
        return item;
    }

    private static ObjectNode message(SimulatedCompletion plan, String itemId, int outputIndex, boolean cut, Events events) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", itemId).put("type", "message").put("status", "in_progress")
                .put("role", "assistant");
        item.putArray("content");
        events.add(events.next("response.output_item.added").put("output_index", outputIndex).set("item", item.deepCopy()));
        ObjectNode part = Json.MAPPER.createObjectNode().put("type", "output_text").put("text", "");
        part.putArray("annotations");
        events.add(content(events.next("response.content_part.added"), itemId, outputIndex).set("part", part.deepCopy()));
        for (String token : plan.tokens()) {
            events.token(content(events.next("response.output_text.delta"), itemId, outputIndex).put("delta", token));
        }
        events.add(content(events.next("response.output_text.done"), itemId, outputIndex).put("text", plan.text()));
        part.put("text", plan.text());
        events.add(content(events.next("response.content_part.done"), itemId, outputIndex).set("part", part.deepCopy()));
        item.put("status", cut ? "incomplete" : "completed");
        ((ArrayNode) item.get("content")).add(part);
        events.add(events.next("response.output_item.done").put("output_index", outputIndex).set("item", item));
        return item;
    }

    private static ObjectNode functionCall(SimulatedToolCall call, int outputIndex, Events events) {
        String itemId = "fc_" + call.id().substring("call_".length());
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", itemId).put("type", "function_call").put("status", "in_progress")
                .put("arguments", "").put("call_id", call.id()).put("name", call.name());
        events.add(events.next("response.output_item.added").put("output_index", outputIndex).set("item", item.deepCopy()));
        for (String fragment : call.argumentFragments()) {
            events.token(events.next("response.function_call_arguments.delta").put("item_id", itemId)
                    .put("output_index", outputIndex).put("delta", fragment));
        }
        events.add(events.next("response.function_call_arguments.done").put("item_id", itemId).put("output_index", outputIndex)
                .put("arguments", call.argumentsJson()));
        item.put("status", "completed").put("arguments", call.argumentsJson());
        events.add(events.next("response.output_item.done").put("output_index", outputIndex).set("item", item));
        return item;
    }

    private static ObjectNode content(ObjectNode event, String itemId, int outputIndex) {
        return event.put("item_id", itemId).put("output_index", outputIndex).put("content_index", 0);
    }

    private static ObjectNode summary(ObjectNode event, String itemId, int outputIndex) {
        return event.put("item_id", itemId).put("output_index", outputIndex).put("summary_index", 0);
    }

    private static ObjectNode response(SimulatedCompletion plan, String id, StreamContext context, String status) {
        ObjectNode response = Json.MAPPER.createObjectNode().put("id", "resp_" + id).put("object", "response")
                .put("created_at", context.createdSeconds()).put("status", status).put("model", plan.model());
        response.putArray("output");
        return response;
    }

    /** The frames of one response, its events numbered from 0. */
    private static final class Events {
        private final List<StreamFrame> frames = new ArrayList<>();
        private int next;

        ObjectNode next(String type) {
            return Json.MAPPER.createObjectNode().put("type", type).put("sequence_number", next++);
        }

        void add(JsonNode event) {
            frames.add(new StreamFrame(Sse.event(event.get("type").asText(), event), false));
        }

        void token(JsonNode event) {
            frames.add(new StreamFrame(Sse.event(event.get("type").asText(), event), true));
        }
    }
}
