package dev.rewind.edge.stream;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Credentials;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.http.Problem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.token.InvalidTokenException;
import dev.rewind.protocol.token.ReadToken;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;

/**
 * {@code GET /v1/sessions/{id}/events}: the session's events as SSE, from the client's cursor on,
 * until the terminal event. Each connection's loop runs on its own virtual thread.
 */
public final class EventsService implements HttpService {

    private static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");

    private final EdgeConfig config;
    private final ReadTokens readTokens;
    private final Map<String, Object> consumerConfig;
    private final IntSupplier partitions;

    public EventsService(EdgeConfig config, ReadTokens readTokens, Map<String, Object> consumerConfig, IntSupplier partitions) {
        this.config = config;
        this.readTokens = readTokens;
        this.consumerConfig = consumerConfig;
        this.partitions = partitions;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/events", this::events);
    }

    private void events(ServerRequest req, ServerResponse res) {
        String sessionId = req.path().pathParameters().get("id");
        if (!SessionIds.isValid(sessionId)) {
            Problem.notFound(res, "no such session");
            return;
        }
        Optional<String> token = Credentials.readToken(req);
        if (token.isEmpty()) {
            Problem.unauthorized(res, "a read token is required: Authorization: Bearer <token> or ?access_token=");
            return;
        }
        ReadToken verified;
        try {
            verified = readTokens.verify(token.get(), sessionId);
        } catch (InvalidTokenException e) {
            Problem.unauthorized(res, e.getMessage());
            return;
        } catch (ReadTokens.WrongSessionException e) {
            Problem.forbidden(res, e.getMessage());
            return;
        }
        SessionEventReader reader;
        try {
            Cursor cursor = Cursor.resolve(req.headers().first(LAST_EVENT_ID).orElse(null),
                    req.query().first("last_event_id").orElse(null), req.query().first("from").orElse(null));
            reader = SessionEventReader.open(consumerConfig, sessionId, partitions.getAsInt(), verified.createdAt(),
                    cursor, config.replay().skewMarginMs());
        } catch (IllegalArgumentException e) {
            Problem.badRequest(res, e.getMessage());
            return;
        }
        try (reader) {
            stream(reader, res);
        }
    }

    private void stream(SessionEventReader reader, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("X-Accel-Buffering"), "no");
        try (OutputStream out = res.outputStream()) {
            SseWriter sse = new SseWriter(out);
            // jitter, so that clients of a restarted edge do not all come back in the same millisecond
            sse.retry(config.sse().retryMs() + ThreadLocalRandom.current().nextLong(config.sse().retryJitterMs() + 1));
            SessionEventReader.Start start = reader.start();
            if (start.gapFrom() != null) {
                // the id names the position replay resumed at, so the next reconnect does not ask again
                EventId resumedAt = new EventId(start.gapFrom().partition(), start.offset() - 1, start.gapFrom().seq());
                ObjectNode gap = Json.MAPPER.createObjectNode()
                        .put("requested", start.gapFrom().toString())
                        .put("resumed_at", resumedAt.toString());
                sse.event(resumedAt.toString(), "gap", Json.toString(gap));
            }
            sse.flush();
            pump(reader, sse);
        } catch (IOException | UncheckedIOException e) {
            // the client went away; it resumes by id whenever it comes back
        }
    }

    private void pump(SessionEventReader reader, SseWriter sse) throws IOException {
        Duration poll = Duration.ofMillis(config.sse().pollMs());
        long lastWrite = System.nanoTime();
        while (true) {
            List<SessionEventReader.Positioned> events = reader.poll(poll);
            for (SessionEventReader.Positioned positioned : events) {
                sse.event(positioned.id().toString(), positioned.event().eventName(), Json.toString(positioned.event()));
                if (positioned.event().isTerminal()) {
                    sse.flush();
                    return;
                }
            }
            if (!events.isEmpty()) {
                sse.flush();
                lastWrite = System.nanoTime();
            } else if (System.nanoTime() - lastWrite >= config.sse().heartbeatMs() * 1_000_000) {
                sse.comment("ping");
                sse.flush();
                lastWrite = System.nanoTime();
            }
        }
    }
}
