package dev.rewind.edge.durablestream;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Credentials;
import dev.rewind.edge.http.Problem;
import dev.rewind.edge.hub.Cursor;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.stream.Cors;
import dev.rewind.edge.stream.EventStreams;
import dev.rewind.edge.stream.SseWriter;
import dev.rewind.edge.stream.StreamAccess;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.edge.stream.StreamPump;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET | HEAD | OPTIONS /v1/sessions/{id}/stream[/{dialect}]}: a session as a read-only
 * JSON-mode Durable Stream (PROTOCOL.md of durable-streams; DESIGN §12), in the dialect's messages:
 * catch-up reads (a bounded JSON array), {@code live=long-poll} and {@code live=sse}. Auth is
 * {@code …/events}'; the events come from the same hub and replay readers through a
 * {@link SessionFeed}, always from the session's first event (a dialect's state depends on all of
 * them), with the messages of events at or before the client's offset rendered and dropped.
 */
public final class SessionStreamService implements HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(SessionStreamService.class);
    static final HeaderName NEXT_OFFSET = HeaderNames.create("Stream-Next-Offset");
    static final HeaderName UP_TO_DATE = HeaderNames.create("Stream-Up-To-Date");
    static final HeaderName CLOSED = HeaderNames.create("Stream-Closed");
    static final HeaderName CURSOR = HeaderNames.create("Stream-Cursor");
    private static final HeaderName NOSNIFF = HeaderNames.create("X-Content-Type-Options");
    private static final HeaderName RESOURCE_POLICY = HeaderNames.create("Cross-Origin-Resource-Policy");
    private static final HeaderName EXPOSE_HEADERS = HeaderNames.create("Access-Control-Expose-Headers");
    private static final HeaderName X_ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");
    private static final String ALLOW = "GET, HEAD, OPTIONS";
    /** Sessions are one owner's data: cacheable by the client (and a CDN keyed by credentials), never shared. */
    private static final String CACHEABLE = "private, max-age=60, stale-while-revalidate=300";

    /** The feed ended for the client's sake (overflow, shutdown): the read is retried. */
    private static final class CutException extends Exception {
        CutException() {
            super("the edge cut this read; retry", null, false, false);
        }
    }

    private enum Mode { CATCH_UP, LONG_POLL, SSE }

    /** Where the catch-up part stopped: at what the stream holds now, or at the message bound with {@code leftover} unread. */
    private record CaughtUp(boolean upToDate, SessionFeed.Batch leftover) {}

    private final EventStreams streams;
    private final EdgeConfig.DurableStreams config;
    private final StreamPump pump;
    private final Cors cors;
    private final CollapsingCursor cursors;

    public SessionStreamService(EventStreams streams) {
        this.streams = streams;
        this.config = streams.config().durableStreams();
        this.pump = streams.ssePump();
        this.cors = streams.cors();
        this.cursors = new CollapsingCursor(streams.clock());
    }

    @Override
    public void routing(HttpRules rules) {
        for (String path : List.of("/{id}/stream", "/{id}/stream/{dialect}")) {
            rules.get(path, (req, res) -> read(req, res, false));
            rules.head(path, (req, res) -> read(req, res, true));
            rules.options(path, this::preflight);
            Handler readOnly = this::readOnly;
            rules.post(path, readOnly).put(path, readOnly).delete(path, readOnly).patch(path, readOnly);
        }
    }

    private void preflight(ServerRequest req, ServerResponse res) {
        securityHeaders(res);
        cors.preflight(req, res, ALLOW, "Authorization, If-None-Match, Content-Type");
    }

    private void readOnly(ServerRequest req, ServerResponse res) {
        securityHeaders(res);
        cors.apply(req, res);
        res.header(HeaderNames.ALLOW, ALLOW);
        Problem.send(res, 405, "Method Not Allowed", "a session's stream is read-only: " + ALLOW);
    }

    private void read(ServerRequest req, ServerResponse res, boolean head) {
        securityHeaders(res);
        cors.apply(req, res);
        res.header(EXPOSE_HEADERS, "Stream-Next-Offset, Stream-Cursor, Stream-Up-To-Date, Stream-Closed, ETag");
        String sessionId = req.path().pathParameters().get("id");
        Optional<MessageDialect> dialect = req.path().pathParameters().contains("dialect")
                ? MessageDialect.byPathName(req.path().pathParameters().get("dialect")) : Optional.of(MessageDialect.EVENTS);
        if (dialect.isEmpty()) {
            Problem.notFound(res, "no such stream dialect; the dialects are events, ai-sdk, tanstack");
            return;
        }
        StreamAccess.Granted granted;
        switch (streams.access().check(sessionId, Credentials.readToken(req).orElse(null), null, null, null)) {
            case StreamAccess.Outcome.No no -> {
                no.refused().send(res);
                return;
            }
            case StreamAccess.Outcome.Ok ok -> granted = ok.granted();
        }
        Optional<String> offset = req.query().first("offset").asOptional();
        String live = req.query().first("live").orElse(null);
        Mode mode = head || live == null ? Mode.CATCH_UP
                : live.equals("long-poll") ? Mode.LONG_POLL : live.equals("sse") ? Mode.SSE : null;
        if (mode == null) {
            Problem.badRequest(res, "live must be long-poll or sse");
            return;
        }
        if (mode != Mode.CATCH_UP && offset.isEmpty()) {
            Problem.badRequest(res, "a live read needs an offset (-1, now, or a Stream-Next-Offset)");
            return;
        }
        boolean tail = head || offset.filter("now"::equals).isPresent();
        StreamOffset from;
        try {
            from = tail || offset.isEmpty() || offset.get().equals("-1") ? StreamOffset.START : StreamOffset.parse(offset.get());
        } catch (IllegalArgumentException e) {
            Problem.badRequest(res, e.getMessage());
            return;
        }
        Optional<EventStreams.Stream> opened = streams.openAnswering(res, StreamConnections.Transport.DURABLE, granted,
                new Cursor.FromStart());
        if (opened.isEmpty()) {
            return;
        }
        try (EventStreams.Stream stream = opened.get()) {
            ReadProgress progress = new ReadProgress(dialect.get().renderer(sessionId), from, tail);
            CaughtUp caught;
            try {
                caught = catchUp(stream.feed(), progress, config.maxMessages());
            } catch (ReadProgress.BadOffsetException e) {
                Problem.badRequest(res, e.getMessage());
                return;
            } catch (ReadProgress.GoneException e) {
                Problem.send(res, 410, "Gone", e.getMessage());
                return;
            }
            String etagName = sessionId + "/" + dialect.get().pathName();
            switch (mode) {
                case CATCH_UP -> answer(req, res, progress, caught.upToDate(), tail, head, etagName, null);
                case LONG_POLL -> longPoll(req, res, stream, progress, caught, etagName);
                case SSE -> sse(req, res, stream, progress, caught);
            }
        } catch (CutException | ReplayReaders.BusyException e) {
            StreamAccess.unavailable(res, e.getMessage());
        } catch (KafkaException e) {
            StreamAccess.unavailable(res, "the event log is unreachable; retry shortly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads what the stream holds now, up to {@code max} kept messages: stops at the tail (an empty
     * batch once the feed no longer replays), at the stream's closure, or at the bound.
     */
    private static CaughtUp catchUp(SessionFeed feed, ReadProgress progress, int max) throws ReadProgress.BadOffsetException,
            ReadProgress.GoneException, ReplayReaders.BusyException, InterruptedException, CutException {
        while (true) {
            SessionFeed.Batch batch = feed.next(0);
            List<SessionFeed.Item> items = batch.items();
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i) instanceof SessionFeed.Item.Event event) {
                    progress.accept(event.delivery());
                }
                if (progress.closed()) {
                    progress.caughtUp();
                    return new CaughtUp(true, null);
                }
                if (progress.keptCount() >= max) {
                    return new CaughtUp(false, new SessionFeed.Batch(List.copyOf(items.subList(i + 1, items.size())), batch.end()));
                }
            }
            if (batch.end() == SessionFeed.End.TERMINAL) {
                progress.caughtUp();
                return new CaughtUp(true, null);
            }
            if (batch.end() != null) {
                throw new CutException();
            }
            if (items.isEmpty() && !feed.replaying()) {
                progress.caughtUp();
                return new CaughtUp(true, null);
            }
        }
    }

    /** A catch-up or long-poll answer with data (or none): the messages as a JSON array, with the protocol's headers. */
    private void answer(ServerRequest req, ServerResponse res, ReadProgress progress, boolean upToDate, boolean tail,
            boolean head, String etagName, String cursor) {
        boolean closed = progress.closed();
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(NEXT_OFFSET, progress.position().token());
        if (upToDate || closed) {
            res.header(UP_TO_DATE, "true");
        }
        if (closed) {
            res.header(CLOSED, "true");
        } else if (cursor != null) {
            res.header(CURSOR, cursor);
        }
        // an answer at an open stream's tail, or of the tail itself, changes as the session goes on
        res.header(HeaderNames.CACHE_CONTROL, tail || head || (upToDate && !closed) ? "no-store" : CACHEABLE);
        if (head) {
            res.send();
            return;
        }
        if (!tail) {
            String etag = "\"" + etagName + ":" + progress.from().token() + ":" + progress.position().token() + (closed ? ":c" : "") + "\"";
            res.header(HeaderNames.ETAG, etag);
            if (matches(req, etag)) {
                res.status(Status.NOT_MODIFIED_304).send();
                return;
            }
        }
        res.send(("[" + String.join(",", progress.take()) + "]").getBytes(StandardCharsets.UTF_8));
    }

    private void longPoll(ServerRequest req, ServerResponse res, EventStreams.Stream stream, ReadProgress progress,
            CaughtUp caught, String etagName) throws ReplayReaders.BusyException, InterruptedException, CutException {
        String echoed = req.query().first("cursor").orElse(null);
        if (!progress.hasMessages() && caught.upToDate() && !progress.closed()) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.longPollTimeoutMs());
            long left;
            while (!progress.hasMessages() && !progress.closed() && (left = deadline - System.nanoTime()) > 0) {
                SessionFeed.Batch batch = stream.feed().next(left);
                for (SessionFeed.Item item : batch.items()) {
                    if (item instanceof SessionFeed.Item.Event event) {
                        acceptLive(progress, event);
                    }
                }
                if (batch.end() != null && batch.end() != SessionFeed.End.TERMINAL) {
                    throw new CutException();
                }
                if (batch.end() == SessionFeed.End.TERMINAL) {
                    break;
                }
            }
        }
        if (progress.hasMessages()) {
            answer(req, res, progress, caught.upToDate(), false, false, etagName, cursors.next(echoed));
            return;
        }
        res.header(NEXT_OFFSET, progress.position().token());
        res.header(UP_TO_DATE, "true");
        if (progress.closed()) {
            res.header(CLOSED, "true");
        } else {
            res.header(CURSOR, cursors.next(echoed));
        }
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.status(Status.NO_CONTENT_204).send();
    }

    private void sse(ServerRequest req, ServerResponse res, EventStreams.Stream stream, ReadProgress progress, CaughtUp caught)
            throws InterruptedException {
        String echoed = req.query().first("cursor").orElse(null);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(X_ACCEL_BUFFERING, "no");
        try (OutputStream out = res.outputStream()) {
            DurableSseFrames frames = new DurableSseFrames(new SseWriter(out), progress, stream.feed(), () -> cursors.next(echoed));
            frames.caughtUp(caught.upToDate());
            if (progress.closed()) {
                frames.flush();
                return;
            }
            pump.run(stream, caught.leftover() == null ? new SessionFeed.Batch(List.of(), null) : caught.leftover(), frames);
        } catch (IOException | UncheckedIOException e) {
            // the client went away (or a stalled write was cut); it resumes from the last control's offset
        } catch (ReplayReaders.BusyException | KafkaException e) {
            LOG.debug("ending a durable stream mid-replay: {}", e.toString());
        }
    }

    /** After the catch-up part met the client's offset, a live event can fail neither of its checks. */
    private static void acceptLive(ReadProgress progress, SessionFeed.Item.Event event) {
        try {
            progress.accept(event.delivery());
        } catch (ReadProgress.BadOffsetException | ReadProgress.GoneException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean matches(ServerRequest req, String etag) {
        return req.headers().first(HeaderNames.IF_NONE_MATCH).map(value -> {
            for (String each : value.split(",")) {
                String candidate = each.strip();
                if (candidate.equals("*") || candidate.equals(etag) || candidate.equals("W/" + etag)) {
                    return true;
                }
            }
            return false;
        }).orElse(false);
    }

    private static void securityHeaders(ServerResponse res) {
        res.header(NOSNIFF, "nosniff");
        res.header(RESOURCE_POLICY, "cross-origin");
    }
}
