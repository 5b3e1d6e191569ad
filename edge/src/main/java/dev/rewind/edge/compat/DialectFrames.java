package dev.rewind.edge.compat;

import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.stream.SseWriter;
import dev.rewind.edge.stream.StreamPump;
import java.io.IOException;
import java.util.List;

/**
 * A compat dialect's SSE: {@code data:} frames of the dialect (OpenAI chat-completion chunks, AI SDK
 * UI-message chunks) and, for a stream cut before the session ended, the dialect's own
 * interrupted ending. A gap (positions deleted by retention) has no place in these dialects.
 */
final class DialectFrames implements StreamPump.Frames {

    private final Dialect dialect;
    private final SseWriter sse;

    DialectFrames(Dialect dialect, SseWriter sse) {
        this.dialect = dialect;
        this.sse = sse;
    }

    @Override
    public void item(SessionFeed.Item item) throws IOException {
        if (item instanceof SessionFeed.Item.Event event) {
            data(dialect.frames(event.delivery().event()));
        }
    }

    @Override
    public void heartbeat() {
        sse.comment("ping");
    }

    @Override
    public void end(StreamPump.Ending ending) throws IOException {
        if (dialect.ended()) {
            return;
        }
        switch (ending) {
            case TERMINAL, CLOSED -> { }
            case OVERFLOW -> data(dialect.interrupted("the client fell behind the stream"));
            case SHUTDOWN -> data(dialect.interrupted("the edge is shutting down"));
            case IDLE -> data(dialect.interrupted("no event for sse.max_idle_ms"));
            case EXPIRED -> data(dialect.interrupted(
                    "the stream outlived a read token's lifetime (auth.token_ttl_seconds)"));
        }
    }

    @Override
    public void flush() throws IOException {
        sse.flush();
    }

    @Override
    public boolean finished() {
        return dialect.ended();
    }

    private void data(List<String> frames) throws IOException {
        for (String frame : frames) {
            sse.data(frame);
        }
    }
}
