package dev.rewind.edge.session;

import static dev.rewind.edge.session.ApiCalls.bearer;
import static dev.rewind.edge.session.ApiCalls.json;
import static dev.rewind.edge.session.ApiCalls.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.Topics;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST …/cancel (to rewind.control) and POST …/token (renewal) against a real broker, and who may call them. */
@WithKafka
class CancelAndRenewalTest {

    private static final int PARTITIONS = ApiCalls.PARTITIONS;
    private static EdgeServer edge;
    private static ApiCalls api;
    private static TopicWriter topics;
    private static KafkaConsumer<String, ControlRecord> control;
    private static final List<ControlRecord> CANCELS = new ArrayList<>();

    @BeforeAll
    static void start(KafkaBroker broker) {
        edge = ApiCalls.startEdge(broker, "");
        api = new ApiCalls(edge.port());
        topics = new TopicWriter(broker.bootstrapServers());
        control = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "group.id", "cancel-test", "auto.offset.reset", "earliest"), new StringDeserializer(), Serdes.CONTROL);
        control.subscribe(List.of(Topics.CONTROL));
    }

    @AfterAll
    static void stop() {
        control.close();
        topics.close();
        edge.close();
    }

    @Test
    void theOwnersKeyCancelsWithItsIdAndReason() throws Exception {
        SessionReadApiTest.Created session = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        HttpResponse<String> response = api.post("/v1/sessions/" + session.id() + "/cancel",
                "{\"reason\": \"user left\"}", bearer(EdgeTestConfig.API_KEY));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(json(response).get("status").asText()).isEqualTo("cancelling");
        ControlRecord.Cancel cancel = awaitCancel(session.id());
        assertThat(cancel.by()).isEqualTo(EdgeTestConfig.OWNER);
        assertThat(cancel.reason()).isEqualTo("user left");
    }

    @Test
    void theReadTokenCancelsFromTheHeaderOnly() throws Exception {
        SessionReadApiTest.Created session = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        String path = "/v1/sessions/" + session.id() + "/cancel";
        // a POST never takes a token from the query or a cookie: no CSRF surface
        problem(api.post(path + "?access_token=" + session.token(), null, Map.of()), 401);
        problem(api.post(path, null, Map.of("Cookie", "rewind_token_" + session.id() + "=" + session.token())), 401);
        HttpResponse<String> response = api.post(path, null, bearer(session.token()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        ControlRecord.Cancel cancel = awaitCancel(session.id());
        assertThat(cancel.by()).isEqualTo("read-token");
        assertThat(cancel.reason()).isEqualTo("cancelled by client");
    }

    @Test
    void refusesOthersAnEndedSessionAndBadBodies() throws Exception {
        SessionReadApiTest.Created a = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        SessionReadApiTest.Created b = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        String path = "/v1/sessions/" + a.id() + "/cancel";
        problem(api.post(path, null, bearer(EdgeTestConfig.OTHER_API_KEY)), 403);
        problem(api.post(path, null, bearer(b.token())), 403);
        problem(api.post(path, null, Map.of()), 401);
        assertThat(problem(api.post(path, "{\"reason\": \"" + "x".repeat(501) + "\"}", bearer(EdgeTestConfig.API_KEY)), 400))
                .contains("reason");
        assertThat(problem(api.post(path, "{\"why\": \"x\"}", bearer(EdgeTestConfig.API_KEY)), 400)).contains("why");
        problem(api.post(path, "{not json", bearer(EdgeTestConfig.API_KEY)), 400);

        topics.summary(TopicWriter.summary(a.id(), EdgeTestConfig.OWNER, a.createdAt(), SessionSummary.Status.COMPLETED));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(problem(api.post(path, null, bearer(EdgeTestConfig.API_KEY)), 409)).contains("completed"));
        problem(api.post(path, null, bearer(a.token())), 409);
    }

    @Test
    void renewsATokenWithItselfOrTheOwnersKey() throws Exception {
        SessionReadApiTest.Created session = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        String path = "/v1/sessions/" + session.id() + "/token";
        HttpResponse<String> renewed = api.post(path, null, bearer(session.token()));
        assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
        String fresh = json(renewed).get("token").asText();
        assertThat(Instant.parse(json(renewed).get("expires_at").asText())).isAfter(Instant.now().plusSeconds(3600));
        assertThat(SessionReadApiTest.createdAtOf(fresh)).isEqualTo(session.createdAt());
        assertThat(api.get("/v1/sessions/" + session.id(), bearer(fresh)).statusCode()).isEqualTo(200);

        HttpResponse<String> byOwner = api.post(path, null, bearer(EdgeTestConfig.API_KEY));
        assertThat(byOwner.statusCode()).as(byOwner.body()).isEqualTo(200);
        assertThat(SessionReadApiTest.createdAtOf(json(byOwner).get("token").asText())).isEqualTo(session.createdAt());
    }

    @Test
    void renewsARecentlyExpiredTokenButNotAnOldOneAnOthersOrATooOldSessions() throws Exception {
        SessionReadApiTest.Created session = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        SessionReadApiTest.Created other = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        String path = "/v1/sessions/" + session.id() + "/token";
        long ttl = edgeAuthTtlSeconds();
        // issued ttl + 60 s ago: expired a minute ago, inside the 300 s grace
        String justExpired = tokensAt(Instant.now().minusSeconds(ttl + 60)).issue(session.id(), session.createdAt());
        problem(api.get("/v1/sessions/" + session.id(), bearer(justExpired)), 401);
        assertThat(api.post(path, null, bearer(justExpired)).statusCode()).isEqualTo(200);

        String longExpired = tokensAt(Instant.now().minusSeconds(ttl + 3600)).issue(session.id(), session.createdAt());
        assertThat(problem(api.post(path, null, bearer(longExpired)), 401)).contains("expired");

        String tooOld = tokensAt(Instant.now()).issue(session.id(), Instant.now().minus(Duration.ofDays(8)));
        assertThat(problem(api.post(path, null, bearer(tooOld)), 403)).contains("owner");

        problem(api.post(path, null, bearer(other.token())), 403);
        problem(api.post(path, null, bearer(EdgeTestConfig.OTHER_API_KEY)), 403);
        problem(api.post(path, null, Map.of()), 401);
        problem(api.post(path + "?access_token=" + session.token(), null, Map.of()), 401);
    }

    private static long edgeAuthTtlSeconds() {
        return EdgeTestConfig.forBroker("unused:9092", PARTITIONS).auth().tokenTtlSeconds();
    }

    /** Read tokens signed with the edge's key by a clock standing at {@code now}. */
    private static ReadTokens tokensAt(Instant now) {
        return new ReadTokens(EdgeTestConfig.forBroker("unused:9092", PARTITIONS).auth(), Clock.fixed(now, ZoneOffset.UTC));
    }

    private static ControlRecord.Cancel awaitCancel(String sessionId) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            control.poll(Duration.ofMillis(200)).forEach(r -> CANCELS.add(r.value()));
            return CANCELS.stream().anyMatch(c -> c.sessionId().equals(sessionId));
        });
        return (ControlRecord.Cancel) CANCELS.stream().filter(c -> c.sessionId().equals(sessionId)).findFirst().orElseThrow();
    }
}
