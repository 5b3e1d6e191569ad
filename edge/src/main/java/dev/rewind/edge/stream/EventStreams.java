package dev.rewind.edge.stream;

import dev.rewind.protocol.ops.CloseSteps;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.hub.Cursor;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.hub.Subscriber;
import dev.rewind.edge.hub.TokenHub;
import dev.rewind.edge.http.Problem;
import dev.rewind.protocol.telemetry.Telemetry;
import dev.rewind.protocol.token.ReadToken;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every stream transport (SSE, WebSocket, the compat dialects) is built on: the checks, the hub, the replay readers, the open connections. */
public record EventStreams(
        EdgeConfig config, StreamAccess access, TokenHub hub, ReplayReaders readers, StreamConnections connections, Clock clock,
        Telemetry telemetry) {

    private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);

    /**
     * An open stream: its registered connection (counted, limited, watched), the feed behind it, and
     * when its read token expires (the stream ends then). Closing ends the feed and the connection.
     */
    public record Stream(SessionFeed feed, StreamConnections.Connection connection, Instant expiresAt, DeliveryTrace trace)
            implements AutoCloseable {
        @Override
        public void close() {
            CloseSteps.run(feed::close, connection::close, () -> trace.closed(feed.trace(), connection.eventsWritten()));
        }
    }

    /**
     * Opens a stream of the granted session after {@code cursor}, written by the current thread, with
     * a queue bounded by {@code sse.queue_*}. The connection is taken first, so a refusal at
     * {@code sse.max_connections} costs no replay read.
     */
    public Stream open(StreamConnections.Transport transport, StreamAccess.Granted granted, Cursor cursor)
            throws StreamConnections.DrainingException, StreamConnections.FullException, SessionFeed.BadCursorException,
            ReplayReaders.BusyException, InterruptedException {
        Subscriber subscriber = new Subscriber(granted.sessionId(), config.sse().queueEvents(), config.sse().queueBytes());
        StreamConnections.Connection connection = connections.open(transport, subscriber, Thread.currentThread());
        try {
            SessionFeed feed = SessionFeed.open(hub, readers, subscriber,
                    granted.token().createdAt().minusMillis(config.replay().skewMarginMs()), cursor);
            connections.opened(StreamAccess.kind(cursor), feed.source());
            return new Stream(feed, connection, granted.token().expiresAt(),
                    new DeliveryTrace(telemetry, granted.sessionId(), cursorText(cursor), transport.tag()));
        } catch (SessionFeed.BadCursorException | ReplayReaders.BusyException | InterruptedException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * As {@link #open}, for an HTTP request: a refusal is answered on {@code res} (400 for a cursor
     * that cannot be served, 503 + Retry-After while busy, draining, full or without Kafka) and
     * gives an empty result.
     */
    public Optional<Stream> openAnswering(ServerResponse res, StreamConnections.Transport transport, StreamAccess.Granted granted,
            Cursor cursor) {
        try {
            return Optional.of(open(transport, granted, cursor));
        } catch (SessionFeed.BadCursorException e) {
            Problem.badRequest(res, e.getMessage());
        } catch (ReplayReaders.BusyException | StreamConnections.DrainingException | StreamConnections.FullException e) {
            StreamAccess.unavailable(res, e.getMessage());
        } catch (KafkaException e) {
            LOG.warn("cannot open the stream of session {}: {}", granted.sessionId(), e.toString());
            StreamAccess.unavailable(res, "the event log is unreachable; retry shortly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /**
     * A grant for a caller that has just proved it may read {@code sessionId} (its owner's key): no
     * token is checked, and the stream lives as long as a read token issued now would.
     */
    public StreamAccess.Granted grantedTo(String sessionId, Instant createdAt, Cursor cursor) {
        Instant expiresAt = clock.instant().plusSeconds(config.auth().tokenTtlSeconds());
        return new StreamAccess.Granted(sessionId, new ReadToken(sessionId, createdAt, expiresAt), cursor);
    }

    /** The loop of an SSE stream (Rewind's own or a compat dialect's): heartbeats every {@code sse.heartbeat_ms}. */
    public StreamPump ssePump() {
        return new StreamPump(clock, config.sse().heartbeatMs(), config.sse().maxIdleMs());
    }

    /** The cursor as a span attribute: its kind, and the id or seq it names. */
    private static String cursorText(Cursor cursor) {
        return switch (cursor) {
            case Cursor.After after -> "id:" + after.id();
            case Cursor.AfterSeq seq -> "seq:" + seq.seq();
            case Cursor.FromStart start -> "start";
            case Cursor.Live live -> "live";
        };
    }

    public Cors cors() {
        return new Cors(config.http().corsOrigins());
    }
}
