package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The stream loop's heartbeat, idle cut and drain on each transport (SSE, WebSocket, the OpenAI
 * dialect), each in that transport's words, against sessions nobody answers.
 */
@WithKafka
class StreamPumpTransportsTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** An edge whose streams beat every second and are cut after 2.5 s without an event. */
    private static EdgeServer edge(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        return EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, """
                rate_limit: {sessions_per_period: 1000}
                sse: {max_idle_ms: 2500}
                ws: {ping_ms: 1000}
                shutdown: {drain_ms: 5000}
                """), Clock.systemUTC());
    }

    @Test
    void everyTransportBeatsWhileIdleAndIsCutAfterMaxIdle(KafkaBroker broker) throws Exception {
        try (EdgeServer edge = edge(broker)) {
            CreatedSession session = createSession(edge);
            SocketClient socket = SocketClient.open(edge, session);
            CompletableFuture<HttpResponse<String>> compat = HTTP.sendAsync(completion(edge), HttpResponse.BodyHandlers.ofString());
            try (SseConnection sse = SseConnection.open(HTTP, events(edge, session), session.bearer())) {
                await().atMost(Duration.ofSeconds(20)).until(sse::ended);
                assertThat(sse.comments()).contains("ping").last().isEqualTo("idle too long; reconnect with Last-Event-ID");
            }
            assertThat(socket.closed.get(20, TimeUnit.SECONDS)).isEqualTo("1000 idle too long: reconnect with last_event_id");
            assertThat(socket.pings).hasPositiveValue();
            String body = compat.get(20, TimeUnit.SECONDS).body();
            assertThat(body).contains(": ping\n\n", "no event for sse.max_idle_ms", "stream_interrupted");
        }
    }

    @Test
    void drainingEndsEveryTransportWithItsShutdownEnding(KafkaBroker broker) throws Exception {
        EdgeServer edge = edge(broker);
        CreatedSession session = createSession(edge);
        SocketClient socket = SocketClient.open(edge, session);
        CompletableFuture<HttpResponse<String>> compat = HTTP.sendAsync(completion(edge), HttpResponse.BodyHandlers.ofString());
        try (SseConnection sse = SseConnection.open(HTTP, events(edge, session), session.bearer())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> socket.opened.isDone() && !sse.comments().isEmpty());
            Thread.ofVirtual().start(edge::close);
            await().atMost(Duration.ofSeconds(20)).until(sse::ended);
            assertThat(sse.comments()).last().isEqualTo("edge shutting down: reconnect with Last-Event-ID");
        }
        assertThat(socket.closed.get(20, TimeUnit.SECONDS)).startsWith("1012 ");
        assertThat(compat.get(20, TimeUnit.SECONDS).body()).contains("the edge is shutting down", "stream_interrupted");
    }

    /** A WebSocket client that counts the server's pings and notes the close. */
    private static final class SocketClient implements WebSocket.Listener {
        final AtomicInteger pings = new AtomicInteger();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final CompletableFuture<Void> opened = new CompletableFuture<>();

        static SocketClient open(EdgeServer edge, CreatedSession session) throws Exception {
            SocketClient client = new SocketClient();
            HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + edge.port() + "/v1/sessions/" + session.id()
                            + "/ws?from=start&access_token=" + session.token()), client)
                    .get(20, TimeUnit.SECONDS);
            return client;
        }

        @Override
        public void onOpen(WebSocket socket) {
            opened.complete(null);
            socket.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onPing(WebSocket socket, ByteBuffer message) {
            pings.incrementAndGet();
            return WebSocket.Listener.super.onPing(socket, message);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    /** A streamed chat completion nobody answers. */
    private static HttpRequest completion(EdgeServer edge) {
        return EdgeTestClient.chatCompletion("http://127.0.0.1:" + edge.port(), true, "silence");
    }

    private static CreatedSession createSession(EdgeServer edge) throws Exception {
        return EdgeTestClient.createSession(HTTP, "http://127.0.0.1:" + edge.port(), EdgeTestConfig.API_KEY, "silence");
    }

    private static URI events(EdgeServer edge, CreatedSession session) {
        return URI.create("http://127.0.0.1:" + edge.port() + "/v1/sessions/" + session.id() + "/events");
    }
}
