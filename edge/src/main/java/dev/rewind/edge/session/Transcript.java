package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;

/**
 * A session's transcript as DESIGN §4.1 defines it: the concatenated {@code token} text after the
 * last {@code reset}, and the tool calls (their final events) of the same attempt.
 */
final class Transcript {

    private final StringBuilder text = new StringBuilder();
    private ArrayNode toolCalls = Json.MAPPER.createArrayNode();
    private long lastSeq;

    /** Takes the next event in order; false once the terminal event was seen. */
    boolean accept(TokenEvent event) {
        if (event.seq() <= lastSeq) {
            return true; // a duplicate of what was already taken
        }
        lastSeq = event.seq();
        switch (event) {
            case TokenEvent.Reset reset -> {
                text.setLength(0);
                toolCalls = Json.MAPPER.createArrayNode();
            }
            case TokenEvent.Token token -> text.append(token.text());
            case TokenEvent.ToolCall call when call.isFinal() -> {
                ObjectNode done = toolCalls.addObject();
                done.put("index", call.index());
                done.put("id", call.id());
                done.put("name", call.name());
                done.set("arguments", call.arguments());
            }
            default -> {
                // the other events do not change the transcript
            }
        }
        return !event.isTerminal();
    }

    void writeTo(ObjectNode view) {
        view.put("transcript", text.toString());
        view.set("tool_calls", toolCalls);
    }
}
