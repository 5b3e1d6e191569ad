package dev.rewind.edge.compat;

import dev.rewind.edge.hub.Cursor;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.stream.EventStreams;
import dev.rewind.edge.stream.SseWriter;
import dev.rewind.edge.stream.StreamAccess;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.token.ReadToken;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.KafkaException;

/**
 * Follows one session from its start through the hub (a {@link SessionFeed}, like any SSE
 * client), on the request's own thread: as a dialect's SSE stream, or gathered until the terminal
 * event. Registered with the open connections, so shutdown drains it and a stuck write is cut.
 */
final class SessionFollower {

    private static final HeaderName X_ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");

    /** How a gathering follow ended. */
    enum Outcome { TERMINAL, TIMEOUT, INTERRUPTED }

    private final EventStreams streams;

    SessionFollower(EventStreams streams) {
        this.streams = streams;
    }

    /**
     * Opens the session's feed from its first event; refused (503) while draining or when Kafka
     * cannot serve it. The session needs no token: the caller has just proved it may read it.
     */
    SessionFeed open(String sessionId, Instant createdAt) {
        if (streams.connections().draining()) {
            throw ProblemException.unavailable("the edge is shutting down; retry", 1);
        }
        ReadToken token = new ReadToken(sessionId, createdAt, Instant.MAX);
        try {
            return streams.open(new StreamAccess.Granted(sessionId, token, new Cursor.FromStart()), new Cursor.FromStart());
        } catch (SessionFeed.BadCursorException | ReplayReaders.BusyException | KafkaException e) {
            throw ProblemException.unavailable("the event log cannot serve this session right now; retry shortly", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("interrupted; retry", 1);
        }
    }

    /**
     * Writes the feed as SSE {@code data:} frames of {@code dialect} until it ends, with {@code : ping}
     * heartbeats. The response's headers must be set already.
     */
    void stream(SessionFeed feed, Dialect dialect, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(X_ACCEL_BUFFERING, "no");
        long heartbeat = TimeUnit.MILLISECONDS.toNanos(streams.config().sse().heartbeatMs());
        long maxIdle = TimeUnit.MILLISECONDS.toNanos(streams.config().sse().maxIdleMs());
        try (feed; StreamConnections.Connection connection = streams.connections().open("sse", feed.subscriber(), Thread.currentThread());
                OutputStream out = res.outputStream()) {
            SseWriter sse = new SseWriter(out);
            long lastWrite = System.nanoTime();
            long lastEvent = lastWrite;
            while (true) {
                SessionFeed.Batch batch = feed.next(Math.max(0, heartbeat - (System.nanoTime() - lastWrite)));
                List<TokenEvent> events = events(batch);
                connection.writing();
                for (TokenEvent event : events) {
                    for (String frame : dialect.frames(event)) {
                        sse.data(frame);
                    }
                    if (dialect.ended()) {
                        break;
                    }
                }
                long now = System.nanoTime();
                boolean wrote = !events.isEmpty();
                if (wrote) {
                    lastEvent = now;
                }
                if (!dialect.ended() && batch.end() != null && batch.end() != SessionFeed.End.TERMINAL) {
                    write(sse, dialect.interrupted(batch.end() == SessionFeed.End.OVERFLOW
                            ? "the client fell behind the stream" : "the edge is shutting down"));
                } else if (!dialect.ended() && now - lastEvent >= maxIdle) {
                    write(sse, dialect.interrupted("no event for sse.max_idle_ms"));
                } else if (!wrote && now - lastWrite >= heartbeat) {
                    // also how a gone client is noticed: only a write fails
                    sse.comment("ping");
                    wrote = true;
                }
                sse.flush();
                connection.written(events.size());
                if (wrote) {
                    lastWrite = now;
                }
                if (dialect.ended() || batch.end() != null) {
                    return;
                }
            }
        } catch (IOException | UncheckedIOException | StreamConnections.DrainingException e) {
            // the client went away (or a stalled write was cut); the session goes on regardless
        } catch (InterruptedException e) {
            // cut by the write watchdog or by shutdown
        } catch (ReplayReaders.BusyException | KafkaException e) {
            // mid-stream: nothing more can be read now; the client follows the session by its events URL
        }
    }

    /** Feeds every event to {@code sink} until the terminal event or {@code timeoutMs}. */
    Outcome gather(SessionFeed feed, Consumer<TokenEvent> sink, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try (feed; StreamConnections.Connection connection = streams.connections().open("sse", feed.subscriber(), Thread.currentThread())) {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Outcome.TIMEOUT;
                }
                SessionFeed.Batch batch = feed.next(left);
                events(batch).forEach(sink);
                if (batch.end() != null) {
                    return batch.end() == SessionFeed.End.TERMINAL ? Outcome.TERMINAL : Outcome.INTERRUPTED;
                }
            }
        } catch (StreamConnections.DrainingException | ReplayReaders.BusyException | KafkaException e) {
            return Outcome.INTERRUPTED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.INTERRUPTED;
        }
    }

    private static void write(SseWriter sse, List<String> frames) throws IOException {
        for (String frame : frames) {
            sse.data(frame);
        }
    }

    /** The session's events of a batch; a gap (positions deleted by retention) has no place in these dialects. */
    private static List<TokenEvent> events(SessionFeed.Batch batch) {
        return batch.items().stream()
                .<TokenEvent>mapMulti((item, out) -> {
                    if (item instanceof SessionFeed.Item.Event event) {
                        out.accept(event.delivery().event());
                    }
                })
                .toList();
    }
}
