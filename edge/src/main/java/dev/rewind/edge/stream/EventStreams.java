package dev.rewind.edge.stream;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.hub.Cursor;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.hub.Subscriber;
import dev.rewind.edge.hub.TokenHub;
import java.time.Clock;

/** What every stream transport (SSE, WebSocket) is built on: the checks, the hub, the replay readers, the open connections. */
public record EventStreams(
        EdgeConfig config, StreamAccess access, TokenHub hub, ReplayReaders readers, StreamConnections connections, Clock clock) {

    /** Opens a feed of the granted session after {@code cursor}, with a queue bounded by {@code sse.queue_*}. */
    public SessionFeed open(StreamAccess.Granted granted, Cursor cursor)
            throws SessionFeed.BadCursorException, ReplayReaders.BusyException, InterruptedException {
        Subscriber subscriber = new Subscriber(granted.sessionId(), config.sse().queueEvents(), config.sse().queueBytes());
        SessionFeed feed = SessionFeed.open(hub, readers, subscriber,
                granted.token().createdAt().minusMillis(config.replay().skewMarginMs()), cursor);
        connections.opened(StreamAccess.kind(cursor), feed.source());
        return feed;
    }

    public Cors cors() {
        return new Cors(config.http().corsOrigins());
    }
}
