package dev.rewind.edge.stream;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Credentials;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
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
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
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
    private final StreamPump pump;
    private final Cors cors;

    public EventsService(EventStreams streams) {
        this.streams = streams;
        this.config = streams.config();
        this.pump = streams.ssePump();
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
        serve(res, granted);
    }

    /**
     * Streams a granted session from its cursor as SSE (refusals answered on {@code res}); also the
     * loop of {@code GET /v1/conversations/{id}/events}, for the conversation's latest turn.
     */
    void serve(ServerResponse res, StreamAccess.Granted granted) {
        Optional<EventStreams.Stream> opened = streams.openAnswering(res, StreamConnections.Transport.SSE, granted, granted.cursor());
        if (opened.isEmpty()) {
            return;
        }
        try (EventStreams.Stream stream = opened.get()) {
            stream(stream, res);
        }
    }

    private void stream(EventStreams.Stream stream, ServerResponse res) {
        SessionFeed.Batch batch;
        try {
            batch = stream.feed().next(0);
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
            // jitter, so that clients of a restarted edge do not all come back in the same millisecond; it goes
            // out with the first events, in one write
            sse.retry(config.sse().retryMs() + ThreadLocalRandom.current().nextLong(config.sse().retryJitterMs() + 1));
            pump.run(stream, batch, new SseFrames(sse));
        } catch (IOException | UncheckedIOException e) {
            // the client went away (or a stalled write was cut); it resumes by id whenever it comes back
        } catch (InterruptedException e) {
            // cut by the write watchdog or by shutdown
        } catch (ReplayReaders.BusyException | KafkaException e) {
            // mid-stream: end it; the client's reconnect resumes after the last id it got
            LOG.debug("ending a stream mid-replay: {}", e.toString());
        }
    }
}
