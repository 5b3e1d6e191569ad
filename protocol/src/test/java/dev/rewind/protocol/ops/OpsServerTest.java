package dev.rewind.protocol.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpsServerTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private OpsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        client.close();
    }

    @Test
    void servesLivenessReadinessAndPrometheusMetrics() throws Exception {
        PrometheusMeterRegistry registry = OpsServer.newRegistry();
        Counter.builder("rewind.test.dead.letters").tag("reason", "not-json").register(registry).increment(3);
        AtomicBoolean ready = new AtomicBoolean(false);
        server = OpsServer.start("test", new OpsSettings(true, "127.0.0.1", 0), registry::scrape, ready::get);

        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        ready.set(true);
        HttpResponse<String> readiness = get("/health/ready");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).isEqualTo("{\"status\":\"UP\"}");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(metrics.body()).contains("rewind_test_dead_letters_total{reason=\"not-json\"} 3.0");
    }

    @Test
    void aThrowingReadinessCheckIsNotReadyAndOtherMethodsAndPathsAreProblems() throws Exception {
        server = OpsServer.start("test", new OpsSettings(true, "127.0.0.1", 0), () -> "", () -> {
            throw new IllegalStateException("no streams yet");
        });
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri("/metrics")).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET");
        HttpResponse<String> unknown = get("/nothing-here");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("content-type")).hasValue("application/problem+json");
    }

    @Test
    void isOffWhenDisabled() {
        assertThat(OpsServer.start("test", new OpsSettings(false, "127.0.0.1", 0), () -> "", () -> true)).isNull();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }
}
