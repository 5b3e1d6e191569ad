package dev.rewind.edge.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.protocol.Json;
import java.io.IOException;

/** Rewind's own SSE: one {@code id:}/{@code event:}/{@code data:} frame per event; endings as comments naming what to do. */
final class SseFrames implements StreamPump.Frames {

    private final SseWriter sse;

    SseFrames(SseWriter sse) {
        this.sse = sse;
    }

    @Override
    public void item(SessionFeed.Item item) throws IOException {
        switch (item) {
            case SessionFeed.Item.Event event ->
                    sse.event(event.delivery().id().toString(), event.delivery().event().eventName(), event.delivery().json());
            case SessionFeed.Item.Gap gap -> {
                // the id names the position replay resumed at, so the next reconnect does not ask again
                ObjectNode data = Json.MAPPER.createObjectNode()
                        .put("requested", gap.requested().toString())
                        .put("resumed_at", gap.resumedAt().toString());
                sse.event(gap.resumedAt().toString(), "gap", Json.toString(data));
            }
        }
    }

    @Override
    public void heartbeat() {
        sse.comment("ping");
    }

    @Override
    public void end(StreamPump.Ending ending) {
        switch (ending) {
            case TERMINAL, CLOSED -> { }
            case OVERFLOW -> sse.comment("slow client: resume with Last-Event-ID");
            case SHUTDOWN -> sse.comment("edge shutting down: reconnect with Last-Event-ID");
            case IDLE -> sse.comment("idle too long; reconnect with Last-Event-ID");
            case EXPIRED -> sse.comment("read token expired; renew it and reconnect with Last-Event-ID");
        }
    }

    @Override
    public void flush() throws IOException {
        sse.flush();
    }
}
