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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How the one stream loop ends a stream whose read token expires, on every transport (SSE,
 * WebSocket, a compat dialect), and how a waiting non-streaming completion is counted. The edge's
 * clock is the test's, moved past the tokens' lifetime while the streams wait for their first event.
 */
@WithKafka
class StreamEndingsTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final TestClock CLOCK = new TestClock();
    private static EdgeServer edge;

    /** A clock the test moves forward. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @BeforeAll
    static void start(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, """
                rate_limit: {sessions_per_period: 1000}
                compat: {completion_timeout_ms: 1000}
                ws: {ping_ms: 1000}
                """), CLOCK);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void anSseStreamEndsWithACommentOnceItsReadTokenExpires() throws Exception {
        CreatedSession session = createSession();
        try (SseConnection sse = SseConnection.open(HTTP, URI.create(base() + "/v1/sessions/" + session.id() + "/events"),
                session.bearer())) {
            assertThat(sse.status()).isEqualTo(200);
            CLOCK.advance(Duration.ofDays(2));
            await().atMost(Duration.ofSeconds(20)).until(sse::ended);
            assertThat(sse.comments()).contains("read token expired; renew it and reconnect with Last-Event-ID");
        }
    }

    @Test
    void aWebSocketClosesWithTheReasonOnceItsReadTokenExpires() throws Exception {
        CreatedSession session = createSession();
        CompletableFuture<String> closed = openSocketAndExpire(HTTP.newWebSocketBuilder(), session, "&access_token=" + session.token());
        assertThat(closed.get(20, TimeUnit.SECONDS)).isEqualTo("1000 read token expired: renew it and reconnect with last_event_id");
    }

    @Test
    void aWebSocketTakesItsReadTokenFromTheSessionsCookie() throws Exception {
        CreatedSession session = createSession();
        CompletableFuture<String> closed = openSocketAndExpire(
                HTTP.newWebSocketBuilder().header("Cookie", "rewind_token_" + session.id() + "=" + session.token()), session, "");
        assertThat(closed.get(20, TimeUnit.SECONDS)).startsWith("1000 read token expired");
    }

    @Test
    void aCompatStreamEndsWithTheDialectsInterruptionOnceAReadTokensLifetimePassed() throws Exception {
        CompletableFuture<HttpResponse<String>> response = HTTP.sendAsync(completion(true), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("rewind_edge_connections{transport=\"compat\"}") == 1);
        assertThat(metric("rewind_edge_connections{transport=\"sse\"}")).isZero();
        CLOCK.advance(Duration.ofDays(2));
        HttpResponse<String> done = response.get(20, TimeUnit.SECONDS);
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("\"code\":\"stream_interrupted\"", "auth.token_ttl_seconds");
    }

    @Test
    void aWaitingNonStreamingCompletionCountsAsACompletionNotAnSseStream() throws Exception {
        CompletableFuture<HttpResponse<String>> response = HTTP.sendAsync(completion(false), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("rewind_edge_connections{transport=\"completion\"}") == 1);
        assertThat(metric("rewind_edge_connections{transport=\"sse\"}")).isZero();
        assertThat(response.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("rewind_edge_connections{transport=\"completion\"}") == 0);
    }

    /** A chat completion nobody answers: its stream waits until something ends it. */
    private static HttpRequest completion(boolean stream) {
        return EdgeTestClient.chatCompletion(base(), stream, "nobody answers");
    }

    /** Opens the session's socket from its start, waits until it streams, then moves the clock past its token; completes with the close. */
    private static CompletableFuture<String> openSocketAndExpire(WebSocket.Builder socket, CreatedSession session, String query)
            throws Exception {
        CompletableFuture<String> closed = new CompletableFuture<>();
        socket.connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + edge.port() + "/v1/sessions/" + session.id() + "/ws?from=start" + query),
                        closingListener(closed))
                .get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("rewind_edge_connections{transport=\"ws\"}") == 1);
        CLOCK.advance(Duration.ofDays(2));
        return closed;
    }

    private static WebSocket.Listener closingListener(CompletableFuture<String> closed) {
        return new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
                closed.complete(statusCode + " " + reason);
                return null;
            }

            @Override
            public void onError(WebSocket socket, Throwable error) {
                closed.completeExceptionally(error);
            }
        };
    }

    private static CreatedSession createSession() throws Exception {
        return EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, "hello");
    }

    private static String base() {
        return "http://127.0.0.1:" + edge.port();
    }

    private static double metric(String sample) throws Exception {
        return EdgeTestClient.metric(HTTP, base(), sample);
    }
}
