package dev.rewind.edge.durablestream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.compat.ToolCallNames;
import dev.rewind.edge.hub.Delivery;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's events as TanStack AI's stream chunks (its AG-UI events), as the TanStack Durable
 * Streams connection reads them: {@code RUN_STARTED}; text as {@code TEXT_MESSAGE_START} /
 * {@code _CONTENT} (each {@code delta}) / {@code _END} of one assistant message; reasoning as
 * {@code STEP_STARTED} / {@code STEP_FINISHED} of a {@code thinking} step; tool calls as
 * {@code TOOL_CALL_START} / {@code _ARGS} / {@code _END} (with the parsed {@code input}); then
 * {@code RUN_FINISHED} with the finish reason, or {@code RUN_ERROR} for an error, a cancel or a reset
 * after visible output (as the AI SDK dialect does: the answer restarts, which a chunk stream cannot show).
 */
final class TanStackChunks implements MessageDialect.Renderer {

    private enum Open { NONE, TEXT, THINKING }

    private final String runId;
    private final String messageId;
    private final ToolCallNames calls = new ToolCallNames();
    private Open open = Open.NONE;
    private int steps;
    private String stepId;
    private boolean visible;
    private boolean ended;

    TanStackChunks(String sessionId) {
        this.runId = "run_" + sessionId;
        this.messageId = "msg_" + sessionId;
    }

    @Override
    public List<String> messages(Delivery delivery) {
        List<String> out = new ArrayList<>();
        switch (delivery.event()) {
            case TokenEvent.Start start -> out.add(Json.toString(chunk("RUN_STARTED").put("runId", runId).put("model", start.model())));
            case TokenEvent.Token token -> text(out, token.text());
            case TokenEvent.Refusal refusal -> text(out, refusal.text());
            case TokenEvent.Reasoning reasoning -> thinking(out, reasoning.text());
            case TokenEvent.ToolCall call -> toolCall(out, call);
            case TokenEvent.Status status -> { }
            case TokenEvent.Warning warning -> { }
            case TokenEvent.Reset reset -> {
                if (visible) {
                    error(out, "reset", "the upstream attempt failed after part of the answer was streamed; attempt "
                            + reset.attempt() + " starts over");
                }
            }
            case TokenEvent.Done done -> {
                close(out);
                out.add(Json.toString(chunk("RUN_FINISHED").put("runId", runId).put("finishReason", done.finishReason())));
                ended = true;
            }
            case TokenEvent.Error error -> error(out, error.code(), error.message() == null ? error.code() : error.message());
            case TokenEvent.Cancelled cancelled -> error(out, "cancelled",
                    cancelled.reason() == null ? "the session was cancelled" : cancelled.reason());
        }
        return out;
    }

    @Override
    public boolean ended() {
        return ended;
    }

    private void text(List<String> out, String delta) {
        visible = true;
        if (open != Open.TEXT) {
            close(out);
            open = Open.TEXT;
            out.add(Json.toString(chunk("TEXT_MESSAGE_START").put("messageId", messageId).put("role", "assistant")));
        }
        out.add(Json.toString(chunk("TEXT_MESSAGE_CONTENT").put("messageId", messageId).put("delta", delta)));
    }

    private void thinking(List<String> out, String delta) {
        visible = true;
        if (open != Open.THINKING) {
            close(out);
            open = Open.THINKING;
            stepId = "step_" + steps++;
            out.add(Json.toString(chunk("STEP_STARTED").put("stepId", stepId).put("stepType", "thinking")));
        }
        out.add(Json.toString(chunk("STEP_FINISHED").put("stepId", stepId).put("delta", delta)));
    }

    private void toolCall(List<String> out, TokenEvent.ToolCall call) {
        visible = true;
        close(out);
        ToolCallNames.Named known = calls.of(call);
        if (known.first()) {
            out.add(Json.toString(chunk("TOOL_CALL_START").put("toolCallId", known.id()).put("toolName", known.name())
                    .put("index", call.index())));
        }
        if (call.argumentsDelta() != null && !call.argumentsDelta().isEmpty()) {
            out.add(Json.toString(chunk("TOOL_CALL_ARGS").put("toolCallId", known.id()).put("delta", call.argumentsDelta())));
        }
        if (call.isFinal()) {
            ObjectNode end = chunk("TOOL_CALL_END").put("toolCallId", known.id()).put("toolName", known.name());
            end.set("input", ToolCallNames.input(call));
            out.add(Json.toString(end));
        }
    }

    private void error(List<String> out, String code, String message) {
        close(out);
        ObjectNode chunk = chunk("RUN_ERROR").put("runId", runId);
        chunk.putObject("error").put("message", message).put("code", code);
        out.add(Json.toString(chunk));
        ended = true;
    }

    /** Ends the open text message (a thinking step ends with each of its chunks). */
    private void close(List<String> out) {
        if (open == Open.TEXT) {
            out.add(Json.toString(chunk("TEXT_MESSAGE_END").put("messageId", messageId)));
        }
        open = Open.NONE;
    }

    private static ObjectNode chunk(String type) {
        return Json.MAPPER.createObjectNode().put("type", type);
    }
}
