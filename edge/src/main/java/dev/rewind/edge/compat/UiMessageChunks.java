package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's events as the Vercel AI SDK's UI message stream (protocol v1, field names as in
 * ai 6.x's {@code uiMessageChunkSchema}): {@code start}, text and reasoning parts
 * ({@code *-start}, {@code *-delta}, {@code *-end}, each with an id), tool calls as
 * {@code tool-input-start} / {@code tool-input-delta} / {@code tool-input-available}, then
 * {@code finish} (or {@code error}, or {@code abort} for a cancel) and {@code [DONE]}. A refusal is
 * shown as text. As in the OpenAI dialect, a reset after visible output ends the stream with an error.
 */
public final class UiMessageChunks implements Dialect {

    private enum Open { NONE, TEXT, REASONING }

    private final String messageId;
    private final ToolCallNames calls = new ToolCallNames();
    private Open open = Open.NONE;
    private String partId;
    private int parts;
    private boolean started;
    private boolean visible;
    private boolean ended;
    private boolean terminal;

    public UiMessageChunks(String messageId) {
        this.messageId = messageId;
    }

    @Override
    public List<String> frames(TokenEvent event) {
        List<String> out = new ArrayList<>();
        if (!started) {
            started = true;
            out.add(Json.toString(part("start").put("messageId", messageId)));
        }
        switch (event) {
            case TokenEvent.Start start -> { }
            case TokenEvent.Token token -> delta(out, Open.TEXT, token.text());
            case TokenEvent.Refusal refusal -> delta(out, Open.TEXT, refusal.text());
            case TokenEvent.Reasoning reasoning -> delta(out, Open.REASONING, reasoning.text());
            case TokenEvent.ToolCall call -> toolCall(out, call);
            case TokenEvent.Status status -> { }
            case TokenEvent.Warning warning -> { }
            case TokenEvent.Reset reset -> {
                if (visible) {
                    close(out);
                    end(out, part("error").put("errorText", "the upstream attempt failed after part of the answer was "
                            + "streamed; attempt " + reset.attempt() + " starts over. Resume the chat to see the new answer"));
                }
            }
            case TokenEvent.Done done -> {
                close(out);
                terminal = true;
                end(out, part("finish").put("finishReason", finishReason(done.finishReason())));
            }
            case TokenEvent.Error error -> {
                close(out);
                terminal = true;
                end(out, part("error").put("errorText", error.message() == null ? error.code() : error.message()));
            }
            case TokenEvent.Cancelled cancelled -> {
                close(out);
                terminal = true;
                ObjectNode abort = part("abort");
                if (cancelled.reason() != null) {
                    abort.put("reason", cancelled.reason());
                }
                end(out, abort);
            }
        }
        return out;
    }

    @Override
    public List<String> interrupted(String why) {
        List<String> out = new ArrayList<>();
        close(out);
        end(out, part("error").put("errorText", why + "; resume the chat to continue"));
        return out;
    }

    @Override
    public boolean ended() {
        return ended;
    }

    /** True when the stream ended with the session's own terminal event (not a reset or a cut). */
    boolean sawTerminal() {
        return terminal;
    }

    private void delta(List<String> out, Open kind, String text) {
        visible = true;
        if (open != kind) {
            close(out);
            open = kind;
            partId = (kind == Open.TEXT ? "text-" : "reasoning-") + parts++;
            out.add(Json.toString(part(kind == Open.TEXT ? "text-start" : "reasoning-start").put("id", partId)));
        }
        out.add(Json.toString(part(kind == Open.TEXT ? "text-delta" : "reasoning-delta").put("id", partId).put("delta", text)));
    }

    private void toolCall(List<String> out, TokenEvent.ToolCall call) {
        visible = true;
        close(out);
        ToolCallNames.Named known = calls.of(call);
        if (known.first()) {
            out.add(Json.toString(part("tool-input-start").put("toolCallId", known.id()).put("toolName", known.name())));
        }
        if (call.argumentsDelta() != null && !call.argumentsDelta().isEmpty()) {
            out.add(Json.toString(part("tool-input-delta").put("toolCallId", known.id()).put("inputTextDelta", call.argumentsDelta())));
        }
        if (call.isFinal()) {
            ObjectNode available = part("tool-input-available").put("toolCallId", known.id()).put("toolName", known.name());
            available.set("input", ToolCallNames.input(call));
            out.add(Json.toString(available));
        }
    }

    private void close(List<String> out) {
        if (open != Open.NONE) {
            out.add(Json.toString(part(open == Open.TEXT ? "text-end" : "reasoning-end").put("id", partId)));
            open = Open.NONE;
        }
    }

    private void end(List<String> out, ObjectNode last) {
        out.add(Json.toString(last));
        out.add(DONE);
        ended = true;
    }

    private static ObjectNode part(String type) {
        return Json.MAPPER.createObjectNode().put("type", type);
    }

    private static String finishReason(String reason) {
        return switch (reason == null ? "" : reason) {
            case "stop" -> "stop";
            case "length" -> "length";
            case "tool_calls" -> "tool-calls";
            case "content_filter" -> "content-filter";
            default -> "other";
        };
    }
}
