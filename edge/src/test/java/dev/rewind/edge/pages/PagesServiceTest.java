package dev.rewind.edge.pages;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.http.ProblemHandlers;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.SessionIds;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pages' clean URLs over HTTP, with placeholder files in a test folder ({@code pages-test/}: the
 * list and the viewer, no dashboard), so the real pages under {@code web/} are never shadowed.
 */
class PagesServiceTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static WebServer server;

    @BeforeAll
    static void start() {
        server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing
                        .update(ProblemHandlers::register)
                        .register(PagesService.fromClasspath("pages-test"))
                        .update(ProblemHandlers::registerFallback))
                .build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void servesTheListAndTheViewerPageForAnyValidSessionId() throws Exception {
        HttpResponse<String> list = get("/sessions");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.headers().firstValue("content-type")).hasValue("text/html; charset=UTF-8");
        assertThat(list.body()).contains("list placeholder");

        HttpResponse<String> viewer = get("/sessions/" + SessionIds.newId());
        assertThat(viewer.statusCode()).isEqualTo(200);
        assertThat(viewer.body()).contains("viewer placeholder");
        assertThat(viewer.headers().firstValue("referrer-policy")).hasValue("no-referrer");
        assertThat(viewer.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    }

    @Test
    void aMissingPageFileOrABadSessionIdIsA404Problem() throws Exception {
        problem404(get("/dashboard"));
        problem404(get("/sessions/not-a-session-id"));
        problem404(get("/sessions/" + SessionIds.newId() + "/more"));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return get(server.port(), path);
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static void problem404(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode body = Json.fromString(response.body(), JsonNode.class);
        assertThat(body.get("status").asInt()).isEqualTo(404);
        assertThat(body.get("detail").asText()).isNotBlank();
    }
}
