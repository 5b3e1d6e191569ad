package dev.rewind.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a session has said so far, built from its events by the rules of DESIGN §4.1: the text of
 * {@code token} events after the last {@code reset}, likewise reasoning, refusal and tool calls
 * (their {@code arguments_delta} joined by index, the latest {@code arguments} snapshot kept).
 * Events at or below the last applied seq are ignored, so feeding it overlapping replays is harmless.
 * Not thread-safe: one reader applies events.
 */
public final class Transcript {

    /** A tool call so far: the streamed argument text, the latest parsed snapshot, whether it is complete. */
    public record ToolCallState(int index, String callId, String name, String argumentsText, JsonNode arguments,
            boolean isFinal) {}

    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder refusal = new StringBuilder();
    private final List<ToolCallState> toolCalls = new ArrayList<>();
    private long lastSeq;
    private int resets;
    private SessionEvent terminal;

    /** Applies {@code event}; false when it changed nothing (already applied, or after the end). */
    public boolean apply(SessionEvent event) {
        if (!(event instanceof SessionEvent.Numbered numbered)) {
            return false;
        }
        if (numbered.seq() <= lastSeq || terminal != null) {
            return false;
        }
        lastSeq = numbered.seq();
        switch (numbered) {
            case SessionEvent.Token t -> text.append(t.text());
            case SessionEvent.Reasoning r -> reasoning.append(r.text());
            case SessionEvent.Refusal r -> refusal.append(r.text());
            case SessionEvent.ToolCall call -> applyToolCall(call);
            case SessionEvent.Reset r -> {
                text.setLength(0);
                reasoning.setLength(0);
                refusal.setLength(0);
                toolCalls.clear();
                resets++;
            }
            case SessionEvent.Done d -> terminal = d;
            case SessionEvent.Error e -> terminal = e;
            case SessionEvent.Cancelled c -> terminal = c;
            default -> {
                // start, status, warning and unknown types change no content
            }
        }
        return true;
    }

    private void applyToolCall(SessionEvent.ToolCall call) {
        while (toolCalls.size() <= call.index()) {
            toolCalls.add(null);
        }
        ToolCallState before = toolCalls.get(call.index());
        toolCalls.set(call.index(), new ToolCallState(call.index(),
                call.callId() != null ? call.callId() : before == null ? null : before.callId(),
                call.name() != null ? call.name() : before == null ? null : before.name(),
                (before == null ? "" : before.argumentsText()) + call.argumentsDelta(),
                call.arguments() != null ? call.arguments() : before == null ? null : before.arguments(),
                call.isFinal() || (before != null && before.isFinal())));
    }

    /** The transcript: token text after the last reset. */
    public String text() {
        return text.toString();
    }

    public String reasoning() {
        return reasoning.toString();
    }

    public String refusal() {
        return refusal.toString();
    }

    /** Tool calls after the last reset, by index. */
    public List<ToolCallState> toolCalls() {
        return toolCalls.stream().filter(java.util.Objects::nonNull).toList();
    }

    public long lastSeq() {
        return lastSeq;
    }

    public int resets() {
        return resets;
    }

    /** The terminal event once applied, else null. */
    public SessionEvent terminal() {
        return terminal;
    }
}
