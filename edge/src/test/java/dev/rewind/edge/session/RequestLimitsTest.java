package dev.rewind.edge.session;

import static dev.rewind.edge.session.ApiCalls.bearer;
import static dev.rewind.edge.session.ApiCalls.json;
import static dev.rewind.edge.session.ApiCalls.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.kafkatest.CapturedLogs;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Limits and logging against a real broker: the per-key creation rate, oversized headers and
 * bodies, unknown routes — each a problem JSON 4xx — and an access log without keys or tokens.
 */
@WithKafka
class RequestLimitsTest {

    private static final int PARTITIONS = ApiCalls.PARTITIONS;
    private static EdgeServer edge;
    private static ApiCalls api;

    @BeforeAll
    static void start(KafkaBroker broker) {
        edge = ApiCalls.startEdge(broker, """
                rate_limit: {sessions_per_period: 3, period_ms: 600000}
                http: {max_request_bytes: 4096, max_header_bytes: 4096}
                """);
        api = new ApiCalls(edge.port());
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void refusesTheFourthCreationInAPeriodWith429AndRetryAfterPerKey() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> created = api.post("/v1/sessions", ApiCalls.SESSION_BODY, bearer(EdgeTestConfig.OTHER_API_KEY));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
        HttpResponse<String> refused = api.post("/v1/sessions", ApiCalls.SESSION_BODY, bearer(EdgeTestConfig.OTHER_API_KEY));
        assertThat(problem(refused, 429)).contains("too many sessions");
        assertThat(Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 600L);
        // another key has its own allowance
        assertThat(api.post("/v1/sessions", ApiCalls.SESSION_BODY, bearer(EdgeTestConfig.API_KEY)).statusCode()).isEqualTo(201);
    }

    @Test
    void oversizedHeadersAndBodiesAndUnknownRoutesGetProblemAnswers() throws Exception {
        HttpResponse<String> bigHeader = api.get("/v1/sessions", Map.of("Authorization", "Bearer " + EdgeTestConfig.API_KEY,
                "X-Padding", "p".repeat(5000)));
        assertThat(problem(bigHeader, 431)).contains("headers are larger than 4096 bytes");
        // far beyond the limit Helidon's parser stops reading: still a problem answer, never a 5xx
        problem(api.get("/v1/sessions", Map.of("X-Padding", "p".repeat(20_000))), 400);
        String bigBody = "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(8000) + "\"}]}";
        HttpResponse<String> tooLarge = api.post("/v1/sessions", bigBody, bearer(EdgeTestConfig.API_KEY));
        assertThat(problem(tooLarge, 413)).contains("4096");
        problem(api.get("/v1/nothing-here", Map.of()), 404);
        problem(api.post("/v1/sessions/s_0123456789012345678901/nothing", "{}", Map.of()), 404);
    }

    @Test
    void theAccessLogHasOneLinePerRequestAndNeitherKeysNorTokens() throws Exception {
        try (CapturedLogs logs = CapturedLogs.capture()) {
            HttpResponse<String> created = api.post("/v1/sessions", ApiCalls.SESSION_BODY, bearer(EdgeTestConfig.API_KEY));
            String id = json(created).get("id").asText();
            String token = json(created).get("token").asText();
            api.get("/v1/sessions/" + id + "?access_token=" + token, Map.of());
            api.get("/v1/sessions/" + id, Map.of("Cookie", "rewind_token_" + id + "=" + token));
            api.post("/v1/sessions/" + id + "/token", null, bearer(token));
            api.get("/v1/sessions?limit=1", bearer(EdgeTestConfig.API_KEY));
            problem(api.get("/v1/sessions/" + id, bearer(EdgeTestConfig.API_KEY + "x")), 401);

            // a line is written when the handler returns, which may be just after the client has the answer
            await().atMost(Duration.ofSeconds(10)).until(() -> accessLines(logs.lines()).size() >= 6);
            List<String> lines = logs.lines();
            List<JsonNode> access = accessLines(lines);
            assertThat(access).anySatisfy(line -> {
                assertThat(line.get("method").asText()).isEqualTo("POST");
                assertThat(line.get("path").asText()).isEqualTo("/v1/sessions");
                assertThat(line.get("status").asInt()).isEqualTo(201);
                assertThat(line.get("bytes").asLong()).isPositive();
                assertThat(line.has("duration_ms")).isTrue();
                assertThat(line.get("remote").asText()).isEqualTo("127.0.0.1");
            });
            assertThat(access).anySatisfy(line ->
                    assertThat(line.get("path").asText()).isEqualTo("/v1/sessions/" + id + "?access_token=REDACTED"));
            assertThat(access).anySatisfy(line -> assertThat(line.get("status").asInt()).isEqualTo(401));
            assertThat(lines).isNotEmpty().noneMatch(l -> l.contains(EdgeTestConfig.API_KEY))
                    .noneMatch(l -> l.contains(token))
                    .noneMatch(l -> l.contains(token.substring(token.lastIndexOf('.') + 1)));
        }
    }

    private static List<JsonNode> accessLines(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("dev.rewind.edge.access "))
                .map(l -> Json.fromString(l.substring("dev.rewind.edge.access ".length()), JsonNode.class)).toList();
    }
}
