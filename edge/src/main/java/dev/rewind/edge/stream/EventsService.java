package dev.rewind.edge.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Credentials;
import dev.rewind.edge.http.Problem;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/sessions/{id}/events}: the session's events as SSE, from the client's cursor on,
 * until the terminal event. Events come from the instance's token hub through this
 * connection's bounded queue; the request's own virtual thread drains it and writes.
 */
public final class EventsService implements HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(EventsService.class);
    private static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    private static final HeaderName X_ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");

    private final EventStreams streams;
    private final EdgeConfig config;
    private final StreamConnections connections;
    private final Cors cors;

    public EventsService(EventStreams streams) {
        this.streams = streams;
        this.config = streams.config();
        this.connections = streams.connections();
        this.cors = streams.cors();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/events", this::events);
        rules.options("/{id}/events", cors::preflight);
    }

    private void events(ServerRequest req, ServerResponse res) {
        cors.apply(req, res);
        StreamAccess.Outcome outcome = streams.access().check(req.path().pathParameters().get("id"), Credentials.readToken(req).orElse(null),
                req.headers().first(LAST_EVENT_ID).orElse(null), req.query().first("last_event_id").orElse(null),
                req.query().first("from").orElse(null));
        StreamAccess.Granted granted;
        switch (outcome) {
            case StreamAccess.Outcome.No no -> {
                no.refused().send(res);
                return;
            }
            case StreamAccess.Outcome.Ok ok -> granted = ok.granted();
        }
        if (connections.draining()) {
            StreamAccess.unavailable(res, "the edge is shutting down; reconnect");
            return;
        }
        SessionFeed feed;
        try {
            feed = streams.open(granted, granted.cursor());
        } catch (SessionFeed.BadCursorException e) {
            Problem.badRequest(res, e.getMessage());
            return;
        } catch (ReplayReaders.BusyException e) {
            StreamAccess.unavailable(res, e.getMessage());
            return;
        } catch (KafkaException e) {
            LOG.warn("cannot open the stream of session {}: {}", granted.sessionId(), e.toString());
            StreamAccess.unavailable(res, "the event log is unreachable; retry shortly");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try (feed; StreamConnections.Connection connection = connections.open("sse", feed.subscriber(), Thread.currentThread())) {
            stream(feed, connection, granted.token().expiresAt(), res);
        } catch (StreamConnections.DrainingException e) {
            StreamAccess.unavailable(res, e.getMessage());
        }
    }

    private void stream(SessionFeed feed, StreamConnections.Connection connection, Instant expiresAt, ServerResponse res) {
        SessionFeed.Batch batch;
        try {
            batch = feed.next(0);
        } catch (ReplayReaders.BusyException e) {
            StreamAccess.unavailable(res, e.getMessage());
            return;
        } catch (InterruptedException | KafkaException e) {
            StreamAccess.unavailable(res, "the event log is unreachable; retry shortly");
            return;
        }
        if (batch.items().isEmpty() && batch.end() == SessionFeed.End.TERMINAL) {
            // a finished session with nothing after the cursor: 204 is what makes EventSource stop reconnecting
            res.status(Status.NO_CONTENT_204).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(X_ACCEL_BUFFERING, "no");
        try (OutputStream out = res.outputStream()) {
            SseWriter sse = new SseWriter(out);
            connection.writing();
            // jitter, so that clients of a restarted edge do not all come back in the same millisecond
            sse.retry(config.sse().retryMs() + ThreadLocalRandom.current().nextLong(config.sse().retryJitterMs() + 1));
            sse.flush();
            connection.written(0);
            pump(feed, batch, sse, connection, expiresAt);
        } catch (IOException | UncheckedIOException e) {
            // the client went away (or a stalled write was cut); it resumes by id whenever it comes back
        } catch (InterruptedException e) {
            // cut by the write watchdog or by shutdown
        } catch (ReplayReaders.BusyException | KafkaException e) {
            // mid-stream: end it; the client's reconnect resumes after the last id it got
            LOG.debug("ending a stream mid-replay: {}", e.toString());
        }
    }

    private void pump(SessionFeed feed, SessionFeed.Batch first, SseWriter sse, StreamConnections.Connection connection,
            Instant expiresAt) throws IOException, InterruptedException, ReplayReaders.BusyException {
        long heartbeat = TimeUnit.MILLISECONDS.toNanos(config.sse().heartbeatMs());
        long maxIdle = TimeUnit.MILLISECONDS.toNanos(config.sse().maxIdleMs());
        long lastWrite = System.nanoTime();
        long lastEvent = lastWrite;
        SessionFeed.Batch batch = first;
        while (true) {
            if (!batch.items().isEmpty()) {
                connection.writing();
                for (SessionFeed.Item item : batch.items()) {
                    write(sse, item);
                }
                sse.flush();
                connection.written(batch.items().size());
                lastWrite = lastEvent = System.nanoTime();
            }
            if (batch.end() != null) {
                finish(sse, connection, batch.end());
                return;
            }
            long now = System.nanoTime();
            if (now - lastEvent >= maxIdle || !streams.clock().instant().isBefore(expiresAt)) {
                comment(sse, connection, now - lastEvent >= maxIdle ? "idle too long; reconnect with Last-Event-ID"
                        : "read token expired; renew it and reconnect with Last-Event-ID");
                return;
            }
            if (now - lastWrite >= heartbeat) {
                // also how a gone client is noticed: only a write fails
                comment(sse, connection, "ping");
                lastWrite = now;
            }
            batch = feed.next(Math.max(0, heartbeat - (System.nanoTime() - lastWrite)));
        }
    }

    private static void write(SseWriter sse, SessionFeed.Item item) throws IOException {
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

    private static void finish(SseWriter sse, StreamConnections.Connection connection, SessionFeed.End end) throws IOException {
        switch (end) {
            case TERMINAL -> { }
            case OVERFLOW -> comment(sse, connection, "slow client: resume with Last-Event-ID");
            case SHUTDOWN -> comment(sse, connection, "edge shutting down: reconnect with Last-Event-ID");
        }
    }

    private static void comment(SseWriter sse, StreamConnections.Connection connection, String text) throws IOException {
        connection.writing();
        sse.comment(text);
        sse.flush();
        connection.written(0);
    }
}
