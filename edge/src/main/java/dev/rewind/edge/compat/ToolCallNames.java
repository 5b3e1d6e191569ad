package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * What a chunk dialect says of a session's tool calls: each call index's id and name, fixed by its
 * first event (later fragments may carry neither), and the final input (an empty object when the
 * arguments are missing). One per rendered stream.
 */
public final class ToolCallNames {

    /** A call as the dialect names it; {@code first}: this event opens it. */
    public record Named(String id, String name, boolean first) {}

    private final Map<Integer, Named> calls = new HashMap<>();

    public Named of(TokenEvent.ToolCall call) {
        Named known = calls.get(call.index());
        if (known != null) {
            return known;
        }
        Named named = new Named(call.id() == null ? "call_" + call.index() : call.id(), call.name(), false);
        calls.put(call.index(), named);
        return new Named(named.id(), named.name(), true);
    }

    /** The final call's input: its parsed arguments, or an empty object. */
    public static JsonNode input(TokenEvent.ToolCall call) {
        return call.arguments() == null ? Json.MAPPER.createObjectNode() : call.arguments();
    }
}
