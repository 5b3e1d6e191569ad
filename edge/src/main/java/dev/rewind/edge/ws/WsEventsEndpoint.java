package dev.rewind.edge.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Credentials;
import dev.rewind.edge.http.Problem;
import dev.rewind.edge.hub.Cursor;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.hub.Subscriber;
import dev.rewind.edge.stream.Cors;
import dev.rewind.edge.stream.EventStreams;
import dev.rewind.edge.stream.StreamAccess;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.edge.stream.StreamPump;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import dev.rewind.protocol.Json;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.KafkaException;

/**
 * {@code /v1/sessions/{id}/ws}: the same events as SSE, one JSON text frame each (the event's JSON
 * with its {@code id} added). The cursor comes from {@code ?last_event_id=} / {@code ?from=}, or
 * else from the client's first frame {@code {"type":"resume","last_event_id":"…"}} (or
 * {@code "from"}). One virtual thread per connection drains the bounded queue and writes; every
 * send, ping, pong and close of a connection goes through one lock, since {@code WsSession} is not
 * thread-safe (DESIGN §9). The server pings every {@code ws.ping_ms}; a client's pong keeps
 * Helidon's idle timeout from closing a push-only socket.
 */
public final class WsEventsEndpoint {

    static final String PATH = "/v1/sessions/{id}/ws";

    private final EventStreams streams;
    private final EdgeConfig config;
    private final StreamAccess access;
    private final StreamConnections connections;
    private final StreamPump pump;
    private final Cors cors;

    public WsEventsEndpoint(EventStreams streams) {
        this.streams = streams;
        this.config = streams.config();
        this.access = streams.access();
        this.connections = streams.connections();
        // pings every ws.ping_ms: a client's pong also keeps Helidon's idle timeout from closing a push-only socket
        this.pump = new StreamPump(streams.clock(), config.ws().pingMs(), config.sse().maxIdleMs());
        this.cors = streams.cors();
    }

    public WsRouting.Builder routing() {
        return WsRouting.builder().endpoint(PATH, () -> new Listener());
    }

    /**
     * The HTTP route of the same path: a request that is no upgrade, or whose upgrade was refused,
     * gets the reason as a problem (401, 403, 404, 400, 503), or 426 when only the upgrade was missing.
     */
    public HttpService fallback() {
        return rules -> rules.get("/{id}/ws", (req, res) -> {
            Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
            if (origin.isPresent() && !cors.allows(origin.get()) && !sameOrigin(origin.get(), req.headers())) {
                Problem.forbidden(res, "origin " + origin.get() + " may not open this socket");
                return;
            }
            StreamAccess.Outcome outcome = access.check(req.path().pathParameters().get("id"),
                    Credentials.readToken(req).orElse(null), null, req.query().first("last_event_id").orElse(null),
                    req.query().first("from").orElse(null));
            if (outcome instanceof StreamAccess.Outcome.No no) {
                no.refused().send(res);
            } else if (connections.draining()) {
                StreamAccess.unavailable(res, "the edge is shutting down; reconnect");
            } else if (connections.full()) {
                StreamAccess.unavailable(res, "this edge holds its limit of streams (sse.max_connections); retry shortly");
            } else {
                res.header(HeaderNames.UPGRADE, "websocket");
                Problem.send(res, 426, "Upgrade Required", "this is a WebSocket endpoint");
            }
        });
    }

    /** Why a socket is refused or closed, as a frame the client can read before the close. */
    static String problemFrame(int status, String detail) {
        return Json.toString(Json.MAPPER.createObjectNode().put("type", "problem").put("status", status).put("detail", detail));
    }

    /** The session id of a {@code /v1/sessions/{id}/ws} path. */
    static String sessionIdOf(String path) {
        String[] parts = path.split("/");
        return parts.length == 5 ? parts[3] : "";
    }

    /** One connection's state: created per upgrade by the route's supplier. */
    private final class Listener implements WsListener {

        private final ReentrantLock sends = new ReentrantLock();
        private final CompletableFuture<Cursor> cursor = new CompletableFuture<>();
        private volatile StreamAccess.Granted granted;
        private volatile WsSession session;
        private volatile Subscriber subscriber;
        private volatile boolean closed;

        @Override
        public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
            // a refused upgrade falls through to the HTTP route of the same path, which answers the problem
            Optional<String> origin = headers.first(HeaderNames.ORIGIN);
            if (origin.isPresent() && !cors.allows(origin.get()) && !sameOrigin(origin.get(), headers)) {
                throw new WsUpgradeException("origin not allowed");
            }
            if (connections.draining()) {
                throw new WsUpgradeException("draining");
            }
            String sessionId = sessionIdOf(prologue.uriPath().path());
            String token = Credentials.readToken(prologue, headers, Optional.of(sessionId)).orElse(null);
            String lastEventId = prologue.query().first("last_event_id").orElse(null);
            String from = prologue.query().first("from").orElse(null);
            StreamAccess.Outcome outcome = access.check(sessionId, token, null, lastEventId, from);
            if (!(outcome instanceof StreamAccess.Outcome.Ok ok)) {
                throw new WsUpgradeException("refused");
            }
            if (connections.full()) {
                throw new WsUpgradeException("full");
            }
            granted = ok.granted();
            if (lastEventId != null || from != null) {
                cursor.complete(granted.cursor());
            }
            return Optional.empty();
        }

        @Override
        public void onOpen(WsSession session) {
            this.session = session;
            Thread.ofVirtual().name("rewind-ws-" + granted.sessionId()).start(this::run);
        }

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            if (cursor.isDone()) {
                return;
            }
            try {
                JsonNode frame = Json.fromString(text, JsonNode.class);
                if (!"resume".equals(frame.path("type").asText())) {
                    throw new IllegalArgumentException("the first frame must be {\"type\":\"resume\", …}");
                }
                cursor.complete(Cursor.resolve(null, text(frame, "last_event_id"), text(frame, "from")));
            } catch (RuntimeException e) {
                cursor.completeExceptionally(new IllegalArgumentException(
                        e instanceof IllegalArgumentException ? e.getMessage() : "the first frame is not JSON"));
            }
        }

        @Override
        public void onPing(WsSession session, BufferData buffer) {
            byte[] payload = new byte[buffer.available()];
            buffer.read(payload);
            send(() -> session.pong(BufferData.create(payload)));
        }

        @Override
        public void onClose(WsSession session, int status, String reason) {
            // answer the close under the lock, so Helidon's own close reply cannot interleave with a send
            closeWith(WsCloseCodes.NORMAL_CLOSE, "bye");
        }

        @Override
        public void onError(WsSession session, Throwable t) {
            closeWith(WsCloseCodes.UNEXPECTED_CONDITION, "error");
        }

        private void run() {
            Cursor start;
            try {
                start = cursor.get(config.ws().firstFrameMs(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                refuse(400, "send {\"type\":\"resume\"} (with last_event_id or from) first, or give ?last_event_id= / ?from=");
                return;
            } catch (ExecutionException e) {
                refuse(400, e.getCause().getMessage());
                return;
            } catch (InterruptedException | CancellationException e) {
                // the socket closed before the client said where to start
                return;
            }
            if (closed) {
                return;
            }
            EventStreams.Stream stream;
            try {
                stream = streams.open(StreamConnections.Transport.WS, granted, start);
                subscriber = stream.feed().subscriber();
            } catch (SessionFeed.BadCursorException e) {
                refuse(400, e.getMessage());
                return;
            } catch (StreamConnections.DrainingException e) {
                closeWith(WsCloseCodes.SERVICE_RESTART, "edge restarting: reconnect");
                return;
            } catch (StreamConnections.FullException e) {
                sendText(problemFrame(503, e.getMessage()));
                closeWith(WsCloseCodes.TRY_AGAIN_LATER, "retry shortly");
                return;
            } catch (ReplayReaders.BusyException | KafkaException e) {
                sendText(problemFrame(503, "the event log is busy or unreachable; retry shortly"));
                closeWith(WsCloseCodes.TRY_AGAIN_LATER, "retry shortly");
                return;
            } catch (InterruptedException e) {
                return;
            }
            try (stream) {
                if (closed) {
                    return;
                }
                SessionFeed.Batch first = stream.feed().next(0);
                if (first.items().isEmpty() && first.end() == SessionFeed.End.TERMINAL) {
                    closeWith(WsCloseCodes.NORMAL_CLOSE, "finished; nothing after the cursor");
                    return;
                }
                pump.run(stream, first, new Frames());
            } catch (IOException | InterruptedException | ReplayReaders.BusyException | RuntimeException e) {
                closeWith(WsCloseCodes.TRY_AGAIN_LATER, "resume with last_event_id");
            }
        }

        /** WebSocket frames: one text frame per event, sent together at each flush under the session's lock; endings as close codes. */
        private final class Frames implements StreamPump.Frames {
            private final List<String> pending = new ArrayList<>();

            @Override
            public void item(SessionFeed.Item item) {
                pending.add(frame(item));
            }

            @Override
            public void heartbeat() {
                send(() -> session.ping(BufferData.empty()));
            }

            @Override
            public void end(StreamPump.Ending ending) {
                flush();
                switch (ending) {
                    case TERMINAL -> closeWith(WsCloseCodes.NORMAL_CLOSE, "done");
                    case OVERFLOW -> closeWith(WsCloseCodes.TRY_AGAIN_LATER, "slow client: resume with last_event_id");
                    case SHUTDOWN -> closeWith(WsCloseCodes.SERVICE_RESTART, "edge restarting: reconnect with last_event_id");
                    case IDLE -> closeWith(WsCloseCodes.NORMAL_CLOSE, "idle too long: reconnect with last_event_id");
                    case EXPIRED -> closeWith(WsCloseCodes.NORMAL_CLOSE, "read token expired: renew it and reconnect with last_event_id");
                    case CLOSED -> { }
                }
            }

            @Override
            public void flush() {
                if (pending.isEmpty()) {
                    return;
                }
                send(() -> {
                    for (String text : pending) {
                        session.send(text, true);
                    }
                });
                pending.clear();
            }

            @Override
            public boolean open() {
                return !closed;
            }
        }

        private void refuse(int status, String detail) {
            sendText(problemFrame(status, detail));
            closeWith(WsCloseCodes.VIOLATED_POLICY, detail.length() > 100 ? detail.substring(0, 100) : detail);
        }

        private void sendText(String text) {
            send(() -> session.send(text, true));
        }

        private void send(Runnable action) {
            sends.lock();
            try {
                if (!closed) {
                    action.run();
                }
            } finally {
                sends.unlock();
            }
        }

        private void closeWith(int code, String reason) {
            sends.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    session.close(code, reason);
                } catch (RuntimeException e) {
                    // the socket is already gone
                }
            } finally {
                sends.unlock();
            }
            Subscriber current = subscriber;
            if (current != null) {
                current.end(Subscriber.Ending.SHUTDOWN);
            }
            cursor.cancel(false);
        }
    }

    /**
     * The event's JSON with its position added as {@code event_id} (SSE's {@code id:}); not {@code id},
     * which a {@code tool_call} event already uses for the call's own id.
     */
    private static String frame(SessionFeed.Item item) {
        return switch (item) {
            case SessionFeed.Item.Event event ->
                    "{\"event_id\":\"" + event.delivery().id() + "\"," + event.delivery().json().substring(1);
            case SessionFeed.Item.Gap gap -> Json.toString(Json.MAPPER.createObjectNode()
                    .put("event_id", gap.resumedAt().toString()).put("type", "gap")
                    .put("requested", gap.requested().toString()).put("resumed_at", gap.resumedAt().toString()));
        };
    }

    private static String text(JsonNode frame, String field) {
        JsonNode value = frame.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static boolean sameOrigin(String origin, Headers headers) {
        String host = headers.first(HeaderNames.HOST).orElse("");
        return origin.endsWith("://" + host);
    }
}
