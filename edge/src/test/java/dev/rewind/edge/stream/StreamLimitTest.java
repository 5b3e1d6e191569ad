package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code sse.max_connections}: one stream more, of any transport, gets 503 + Retry-After; health, the API and the hub go on. */
@WithKafka
class StreamLimitTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EdgeServer edge;

    @BeforeAll
    static void start(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, "sse: {max_connections: 1}"),
                Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void atTheLimitEveryTransportIsRefusedWith503WhileHealthAndTheApiAnswer() throws Exception {
        CreatedSession held = createSession();
        CreatedSession refused = createSession();
        try (SseConnection first = SseConnection.open(HTTP, events(held), held.bearer())) {
            assertThat(first.status()).isEqualTo(200);

            HttpResponse<String> sse = get(events(refused), refused.bearer());
            assertThat(sse.statusCode()).isEqualTo(503);
            assertThat(sse.headers().firstValue("retry-after")).isPresent();
            assertThat(sse.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(Json.fromString(sse.body(), JsonNode.class).get("detail").asText()).contains("sse.max_connections");

            HttpResponse<String> ws = get(URI.create(base() + "/v1/sessions/" + refused.id() + "/ws"), refused.bearer());
            assertThat(ws.statusCode()).isEqualTo(503);
            assertThat(ws.headers().firstValue("retry-after")).isPresent();
            assertThatThrownBy(() -> HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + edge.port() + "/v1/sessions/" + refused.id()
                            + "/ws?from=start&access_token=" + refused.token()), new WebSocket.Listener() { })
                    .get(20, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                            e -> assertThat(e.getResponse().statusCode()).isEqualTo(503));

            HttpResponse<String> compat = HTTP.send(EdgeTestClient.chatCompletion(base(), true, "hi"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(compat.statusCode()).isEqualTo(503);
            assertThat(compat.headers().firstValue("retry-after")).isPresent();

            // health, readiness, the API and the held stream's hub are untouched by the limit
            assertThat(get(URI.create(base() + "/health"), Map.of()).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> get(URI.create(base() + "/health/ready"), Map.of()).statusCode() == 200);
            assertThat(get(URI.create(base() + "/v1/sessions/" + refused.id()), refused.bearer()).statusCode()).isEqualTo(200);
            createSession();
            assertThat(first.ended()).isFalse();
        }
        // the held stream's place is free again
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            try (SseConnection again = SseConnection.open(HTTP, events(refused), refused.bearer())) {
                assertThat(again.status()).isEqualTo(200);
            }
        });
    }

    private static CreatedSession createSession() throws Exception {
        return EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, "hello");
    }

    private static URI events(CreatedSession session) {
        return URI.create(base() + "/v1/sessions/" + session.id() + "/events");
    }

    private static HttpResponse<String> get(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String base() {
        return "http://127.0.0.1:" + edge.port();
    }
}
