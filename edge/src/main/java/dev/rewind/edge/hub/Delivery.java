package dev.rewind.edge.hub;

import dev.rewind.protocol.EventId;
import dev.rewind.protocol.TokenEvent;
import org.apache.kafka.common.header.Headers;

/**
 * One event of {@code rewind.tokens} ready to send: its id, the event, and its JSON rendered once
 * for every subscriber of the session (SSE data and WebSocket frames share it); {@code trace} is
 * its record's headers when tracing is on (the session's trace context), else null.
 */
public record Delivery(EventId id, TokenEvent event, String json, Headers trace) {

    public Delivery(EventId id, TokenEvent event, String json) {
        this(id, event, json, null);
    }

    /** What the event costs in a queue or a window: its JSON plus a fixed overhead for the objects around it. */
    public int weight() {
        return json.length() + 96;
    }

    public long offset() {
        return id.offset();
    }
}
