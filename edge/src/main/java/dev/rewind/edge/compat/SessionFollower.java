package dev.rewind.edge.compat;

import dev.rewind.edge.hub.Cursor;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.stream.EventStreams;
import dev.rewind.edge.stream.SseWriter;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.edge.stream.StreamPump;
import dev.rewind.protocol.TokenEvent;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.KafkaException;

/**
 * Follows one session from its start through the hub (a {@link SessionFeed}, like any SSE
 * client), on the request's own thread: as a dialect's SSE stream through the same
 * {@link StreamPump} as every stream, or gathered until the terminal event. Registered with the
 * open connections ({@code compat} or {@code completion}), so the stream limit counts it, shutdown
 * drains it and a stuck write is cut. A follow lives at most as long as a read token issued when it
 * began ({@code auth.token_ttl_seconds}), like any other stream.
 */
final class SessionFollower {

    private static final HeaderName X_ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");

    /** How a gathering follow ended. */
    enum Outcome { TERMINAL, TIMEOUT, INTERRUPTED }

    private final EventStreams streams;
    private final StreamPump pump;

    SessionFollower(EventStreams streams) {
        this.streams = streams;
        this.pump = streams.ssePump();
    }

    /**
     * Opens the session's stream from its first event, as {@code transport} ({@code COMPAT} for a
     * stream, {@code COMPLETION} for a gathering wait); refused (503) while draining, at
     * {@code sse.max_connections} or when Kafka cannot serve it. The caller has just proved it may
     * read the session, so no token is checked; the stream's lifetime is a fresh token's.
     */
    EventStreams.Stream open(String sessionId, Instant createdAt, StreamConnections.Transport transport) {
        try {
            return streams.open(transport, streams.grantedTo(sessionId, createdAt, new Cursor.FromStart()), new Cursor.FromStart());
        } catch (StreamConnections.DrainingException e) {
            throw ProblemException.unavailable("the edge is shutting down; retry", 1);
        } catch (StreamConnections.FullException e) {
            throw ProblemException.unavailable(e.getMessage(), 1);
        } catch (SessionFeed.BadCursorException | ReplayReaders.BusyException | KafkaException e) {
            throw ProblemException.unavailable("the event log cannot serve this session right now; retry shortly", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("interrupted; retry", 1);
        }
    }

    /**
     * Writes the stream as SSE {@code data:} frames of {@code dialect} until it ends, with {@code : ping}
     * heartbeats. The response's headers must be set already.
     */
    void stream(EventStreams.Stream stream, Dialect dialect, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(X_ACCEL_BUFFERING, "no");
        try (stream; OutputStream out = res.outputStream()) {
            pump.run(stream, stream.feed().next(0), new DialectFrames(dialect, new SseWriter(out)));
        } catch (IOException | UncheckedIOException e) {
            // the client went away (or a stalled write was cut); the session goes on regardless
        } catch (InterruptedException e) {
            // cut by the write watchdog or by shutdown
        } catch (ReplayReaders.BusyException | KafkaException e) {
            // mid-stream: nothing more can be read now; the client follows the session by its events URL
        }
    }

    /** Feeds every event to {@code sink} until the terminal event or {@code timeoutMs}. */
    Outcome gather(EventStreams.Stream stream, Consumer<TokenEvent> sink, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try (stream) {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Outcome.TIMEOUT;
                }
                SessionFeed.Batch batch = stream.feed().next(left);
                for (SessionFeed.Item item : batch.items()) {
                    if (item instanceof SessionFeed.Item.Event event) {
                        sink.accept(event.delivery().event());
                    }
                }
                if (batch.end() != null) {
                    return batch.end() == SessionFeed.End.TERMINAL ? Outcome.TERMINAL : Outcome.INTERRUPTED;
                }
            }
        } catch (ReplayReaders.BusyException | KafkaException e) {
            return Outcome.INTERRUPTED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.INTERRUPTED;
        }
    }
}
