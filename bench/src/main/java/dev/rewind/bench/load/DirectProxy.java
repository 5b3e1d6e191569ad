package dev.rewind.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The baseline without durability: a Helidon server in the generator that takes the same
 * {@code POST /v1/sessions} and serves the same SSE shape ({@code start}, {@code token},
 * {@code done}/{@code error}, each with {@code id:} and {@code seq}) straight from the simulator's
 * Chat Completions stream — no Kafka, no processor. Events are kept in memory per session so that
 * every subscriber sees the whole session and a reconnect with {@code Last-Event-ID} continues,
 * which lets the same client code measure both paths. Lives in bench so the edge stays untouched.
 */
final class DirectProxy implements AutoCloseable {

    private static final long HEARTBEAT_MS = 15_000;
    /** A finished session stays this long for late or resuming readers. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final URI upstream;
    private final int maxSessions;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ConcurrentHashMap<String, DirectSession> sessions = new ConcurrentHashMap<>();
    private final WebServer server;

    DirectProxy(URI simBaseUrl, int maxSessions) {
        this.upstream = simBaseUrl.resolve("/v1/chat/completions");
        this.maxSessions = maxSessions;
        this.server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .connectionOptions(options -> options.tcpNoDelay(true))
                .routing(routing -> routing
                        .post("/v1/sessions", this::create)
                        .get("/v1/sessions/{id}/events", this::events))
                .build().start();
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
        client.close();
    }

    /** Starts the upstream call at once, as Rewind does: generation never waits for a reader. */
    private void create(ServerRequest req, ServerResponse res) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(req.content().inputStream());
        } catch (IOException e) {
            problem(res, Status.BAD_REQUEST_400, "the body is not JSON");
            return;
        }
        // finished sessions are dropped a while after their last reader left; the rest are bounded
        sessions.values().removeIf(DirectSession::finishedAndUnread);
        if (sessions.size() >= maxSessions) {
            problem(res, Status.SERVICE_UNAVAILABLE_503, "the direct proxy holds " + maxSessions + " sessions");
            return;
        }
        String id = UUID.randomUUID().toString();
        DirectSession session = new DirectSession();
        sessions.put(id, session);
        ObjectNode call = Json.MAPPER.createObjectNode().put("model", body.path("model").asText()).put("stream", true);
        call.set("messages", body.path("messages"));
        body.path("params").properties().forEach(param -> call.set(param.getKey(), param.getValue()));
        Thread.ofVirtual().name("direct-upstream-" + id).start(() -> relay(session, call));
        res.status(Status.CREATED_201);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.toBytes(Json.MAPPER.createObjectNode().put("id", id).put("token", "direct")
                .put("events_url", "/v1/sessions/" + id + "/events")));
    }

    /** The simulator's stream, one token event per content delta, as the processor would make them. */
    private void relay(DirectSession session, ObjectNode call) {
        session.append("start", Json.MAPPER.createObjectNode().put("upstream", "sim").put("model", call.path("model").asText()));
        HttpRequest request = HttpRequest.newBuilder(upstream).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(call))).build();
        String finish = null;
        try {
            HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
            if (response.statusCode() != 200) {
                response.body().close();
                session.end("error", Json.MAPPER.createObjectNode().put("code", "upstream_" + response.statusCode())
                        .put("message", "upstream answered " + response.statusCode()).put("retryable", false));
                return;
            }
            try (Stream<String> lines = response.body()) {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                        continue;
                    }
                    JsonNode choice = Json.MAPPER.readTree(line.substring(6)).path("choices").path(0);
                    String text = choice.path("delta").path("content").asText("");
                    if (!text.isEmpty()) {
                        session.append("token", Json.MAPPER.createObjectNode().put("text", text));
                    }
                    if (choice.hasNonNull("finish_reason")) {
                        finish = choice.get("finish_reason").asText();
                    }
                }
            }
            session.end(finish != null ? "done" : "error", finish != null
                    ? Json.MAPPER.createObjectNode().put("finish_reason", finish)
                    : Json.MAPPER.createObjectNode().put("code", "truncated").put("message", "upstream ended early").put("retryable", true));
        } catch (IOException | UncheckedIOException e) {
            session.end("error", Json.MAPPER.createObjectNode().put("code", "upstream_failed").put("message", e.toString())
                    .put("retryable", true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void events(ServerRequest req, ServerResponse res) {
        DirectSession session = sessions.get(req.path().pathParameters().get("id"));
        if (session == null) {
            problem(res, Status.NOT_FOUND_404, "no such session");
            return;
        }
        int next = req.headers().first(HeaderNames.create("Last-Event-ID")).map(DirectProxy::seqOf).orElse(0);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        session.readers(+1);
        try (OutputStream out = res.outputStream()) {
            while (true) {
                List<byte[]> frames = session.await(next, HEARTBEAT_MS);
                if (frames == null) {
                    return;
                }
                for (byte[] frame : frames) {
                    out.write(frame);
                }
                out.write(frames.isEmpty() ? ": ping\n\n".getBytes(StandardCharsets.US_ASCII) : new byte[0]);
                out.flush();
                next += frames.size();
            }
        } catch (IOException | UncheckedIOException e) {
            // the reader left (a planned disconnect of the load client): it resumes by id
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session.readers(-1);
        }
    }

    /** Ids are {@code d<seq>}: the seq of the last event seen is the index of the next. */
    private static int seqOf(String lastEventId) {
        try {
            return Integer.parseInt(lastEventId.substring(1));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static void problem(ServerResponse res, Status status, String detail) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
        res.send(Json.toBytes(Json.MAPPER.createObjectNode().put("status", status.code()).put("title", status.reasonPhrase())
                .put("detail", detail)));
    }

    /** One session's events as SSE frames, appended by the relay, read by any number of subscribers. */
    private static final class DirectSession {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition appended = lock.newCondition();
        private final List<byte[]> frames = new ArrayList<>();
        private boolean ended;
        private long endedAt;
        private int readers;

        void append(String event, ObjectNode data) {
            lock.lock();
            try {
                int seq = frames.size() + 1;
                ObjectNode withSeq = Json.MAPPER.createObjectNode().put("seq", seq);
                withSeq.setAll(data);
                frames.add(("id: d" + seq + "\nevent: " + event + "\ndata: " + Json.MAPPER.writeValueAsString(withSeq) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                appended.signalAll();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                lock.unlock();
            }
        }

        void end(String event, ObjectNode data) {
            lock.lock();
            try {
                append(event, data);
                ended = true;
                endedAt = System.nanoTime();
            } finally {
                lock.unlock();
            }
        }

        /** Frames from {@code index} on (empty after {@code timeoutMs} without any: a heartbeat), or null when all are read and the session ended. */
        List<byte[]> await(int index, long timeoutMs) throws InterruptedException {
            lock.lock();
            try {
                long left = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
                while (frames.size() <= index && !ended && left > 0) {
                    left = appended.awaitNanos(left);
                }
                if (frames.size() <= index) {
                    return ended ? null : List.of();
                }
                return List.copyOf(frames.subList(index, frames.size()));
            } finally {
                lock.unlock();
            }
        }

        void readers(int delta) {
            lock.lock();
            try {
                readers += delta;
            } finally {
                lock.unlock();
            }
        }

        boolean finishedAndUnread() {
            lock.lock();
            try {
                return ended && readers == 0 && System.nanoTime() - endedAt > LINGER_NANOS;
            } finally {
                lock.unlock();
            }
        }
    }
}
