package dev.rewind.edge.stream;

import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The one loop every event stream runs (SSE, WebSocket, the OpenAI and AI SDK dialects): takes
 * what the feed has, hands it to the transport's {@link Frames}, and puts each wake-up on the wire
 * in one flush; ends the stream on the session's end, a slow client, shutdown, no event for
 * {@code sse.max_idle_ms} or the read token's expiry, and keeps an idle connection alive with a
 * heartbeat (also how a gone client is noticed: only a write fails). Every write is bracketed for
 * the write watchdog. What differs between transports is only how each of these looks on the wire.
 */
public final class StreamPump {

    /** Why a stream ended. */
    public enum Ending {
        /** The session ended (or the dialect wrote its own last frame). */
        TERMINAL,
        /** The client fell behind by more than its queue holds; it resumes by id. */
        OVERFLOW,
        /** The edge is shutting down; the client reconnects elsewhere. */
        SHUTDOWN,
        /** No event for {@code sse.max_idle_ms}. */
        IDLE,
        /** The read token's lifetime passed; the client renews it and resumes. */
        EXPIRED,
        /** The client closed the connection (WebSocket); nothing more is written. */
        CLOSED
    }

    /** How one transport or dialect writes a stream. Called from the pump's one thread only. */
    public interface Frames {
        /** Buffers one item; it reaches the socket by {@link #flush} at the latest. */
        void item(SessionFeed.Item item) throws IOException;

        /** Buffers a keep-alive (an SSE comment, a WebSocket ping). */
        void heartbeat() throws IOException;

        /** Buffers how the stream ends for {@code ending} (never {@link Ending#CLOSED}). */
        void end(Ending ending) throws IOException;

        /** Puts everything buffered on the socket. */
        void flush() throws IOException;

        /** True once the dialect wrote its own last frame (the compat dialects' {@code [DONE]}). */
        default boolean finished() {
            return false;
        }

        /** False once the client closed the connection. */
        default boolean open() {
            return true;
        }
    }

    private final Clock clock;
    private final long heartbeatNanos;
    private final long maxIdleNanos;

    public StreamPump(Clock clock, long heartbeatMs, long maxIdleMs) {
        this.clock = clock;
        this.heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(heartbeatMs);
        this.maxIdleNanos = TimeUnit.MILLISECONDS.toNanos(maxIdleMs);
    }

    /** Runs {@code stream} from its {@code first} batch until it ends. */
    public Ending run(EventStreams.Stream stream, SessionFeed.Batch first, Frames frames)
            throws IOException, InterruptedException, ReplayReaders.BusyException {
        StreamConnections.Connection connection = stream.connection();
        long lastWrite = System.nanoTime();
        long lastEvent = lastWrite;
        SessionFeed.Batch batch = first;
        // the first round always flushes: the response (headers, a retry hint) starts before the first event
        boolean started = false;
        while (true) {
            if (!frames.open()) {
                return Ending.CLOSED;
            }
            int events = 0;
            if (!batch.items().isEmpty()) {
                connection.writing();
                for (SessionFeed.Item item : batch.items()) {
                    frames.item(item);
                    events++;
                    if (frames.finished()) {
                        break;
                    }
                }
            }
            long now = System.nanoTime();
            if (events > 0) {
                lastEvent = now;
            }
            Ending ending = frames.finished() ? Ending.TERMINAL : ending(batch.end(), now - lastEvent, stream.expiresAt());
            boolean heartbeat = ending == null && events == 0 && now - lastWrite >= heartbeatNanos;
            if (ending != null || heartbeat || !started) {
                connection.writing();
                if (ending != null) {
                    frames.end(ending);
                } else if (heartbeat) {
                    frames.heartbeat();
                }
            }
            if (events > 0 || ending != null || heartbeat || !started) {
                frames.flush();
                connection.written(events);
                lastWrite = now;
                started = true;
            }
            if (ending != null) {
                return ending;
            }
            batch = stream.feed().next(Math.max(0, heartbeatNanos - (System.nanoTime() - lastWrite)));
        }
    }

    private Ending ending(SessionFeed.End end, long idleNanos, Instant expiresAt) {
        if (end != null) {
            return switch (end) {
                case TERMINAL -> Ending.TERMINAL;
                case OVERFLOW -> Ending.OVERFLOW;
                case SHUTDOWN -> Ending.SHUTDOWN;
            };
        }
        if (idleNanos >= maxIdleNanos) {
            return Ending.IDLE;
        }
        return clock.instant().isBefore(expiresAt) ? null : Ending.EXPIRED;
    }
}
