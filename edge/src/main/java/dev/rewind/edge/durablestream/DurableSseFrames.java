package dev.rewind.edge.durablestream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.stream.SseWriter;
import dev.rewind.edge.stream.StreamPump;
import dev.rewind.protocol.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * A session's Durable Stream in SSE mode, through the same {@link StreamPump} as every stream:
 * each wake-up's messages as one {@code event: data} (a JSON array), then an {@code event: control}
 * with the next offset, the cursor, {@code upToDate} and, once the stream is closed,
 * {@code streamClosed} (the pump then ends and the connection closes). A stream cut for another
 * reason (slow client, shutdown, idle, expiry) just closes: the client resumes from the last control's offset.
 */
final class DurableSseFrames implements StreamPump.Frames {

    private final SseWriter sse;
    private final ReadProgress progress;
    private final SessionFeed feed;
    private final Supplier<String> cursors;
    private StreamOffset announced;
    private boolean closeSent;

    DurableSseFrames(SseWriter sse, ReadProgress progress, SessionFeed feed, Supplier<String> cursors) {
        this.sse = sse;
        this.progress = progress;
        this.feed = feed;
        this.cursors = cursors;
    }

    /** The catch-up part: its messages (when any) and always a first control. */
    void caughtUp(boolean upToDate) throws IOException {
        write(upToDate, true);
    }

    @Override
    public void item(SessionFeed.Item item) {
        if (item instanceof SessionFeed.Item.Event event) {
            try {
                progress.accept(event.delivery());
            } catch (ReadProgress.BadOffsetException | ReadProgress.GoneException e) {
                // the catch-up part already met the client's offset: a live event can fail neither check
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void heartbeat() {
        sse.comment("ping");
    }

    @Override
    public void end(StreamPump.Ending ending) {
        // TERMINAL: the closing control goes out with the flush; any other ending only closes the connection
    }

    @Override
    public void flush() throws IOException {
        write(!feed.replaying(), false);
        sse.flush();
    }

    @Override
    public boolean finished() {
        return progress.closed();
    }

    private void write(boolean upToDate, boolean always) throws IOException {
        List<String> messages = progress.take();
        if (!messages.isEmpty()) {
            sse.event(null, "data", "[" + String.join(",", messages) + "]");
        }
        boolean closed = progress.closed();
        if (!always && messages.isEmpty() && progress.position().equals(announced) && (closeSent || !closed)) {
            return;
        }
        ObjectNode control = Json.MAPPER.createObjectNode().put("streamNextOffset", progress.position().token());
        if (closed) {
            control.put("upToDate", true).put("streamClosed", true);
            closeSent = true;
        } else {
            control.put("streamCursor", cursors.get());
            if (upToDate) {
                control.put("upToDate", true);
            }
        }
        sse.event(null, "control", Json.toString(control));
        announced = progress.position();
    }
}
