package dev.rewind.edge.session;

import static dev.rewind.edge.session.ApiCalls.bearer;
import static dev.rewind.edge.session.ApiCalls.json;
import static dev.rewind.edge.session.ApiCalls.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary.Status;
import dev.rewind.protocol.TopicSettings;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /v1/sessions against a real broker: the owner's sessions from the store fed by
 * rewind.sessions, newest first, paged by cursor, filtered by since and status.
 */
@WithKafka
class SessionListTest {

    private static final int PARTITIONS = ApiCalls.PARTITIONS;
    // far from "now", so sessions other test classes write to the shared topic never fall in range
    private static final Instant SINCE = Instant.parse("2031-03-01T00:00:00Z");
    /** As URL-encoding clients send it; a raw ':' (as curl sends it) is tested too. */
    private static final String SINCE_PARAM = "since=" + URLEncoder.encode(SINCE.toString(), StandardCharsets.UTF_8);
    private static final List<String> MINE = new ArrayList<>();
    private static String othersSession;
    private static EdgeServer edge;
    private static ApiCalls api;

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        try (TopicWriter topics = new TopicWriter(broker.bootstrapServers())) {
            Status[] statuses = {Status.COMPLETED, Status.FAILED, Status.COMPLETED, Status.STREAMING, Status.FAILED};
            for (int i = 0; i < statuses.length; i++) {
                String id = SessionIds.newId();
                MINE.add(0, id); // newest first
                topics.summary(TopicWriter.summary(id, EdgeTestConfig.OWNER, SINCE.plusSeconds(60L * i), statuses[i]));
            }
            topics.summary(TopicWriter.summary(SessionIds.newId(), EdgeTestConfig.OWNER, SINCE.minusSeconds(1), Status.FAILED));
            othersSession = SessionIds.newId();
            topics.summary(TopicWriter.summary(othersSession, "other-owner", SINCE.plusSeconds(30), Status.COMPLETED));
        }
        // written before the edge starts: its store fills from the beginning of the topic
        edge = ApiCalls.startEdge(broker, "");
        api = new ApiCalls(edge.port());
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void pagesTheOwnersSessionsNewestFirstUntilTheCursorRunsOut() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ids(list(SINCE_PARAM + "&limit=100"))).hasSize(5));
        List<String> paged = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String query = SINCE_PARAM + "&limit=2";
        while (query != null) {
            JsonNode page = list(query);
            pageSizes.add(page.get("sessions").size());
            paged.addAll(ids(page));
            query = page.has("next_cursor") ? SINCE_PARAM + "&limit=2&cursor=" + page.get("next_cursor").asText() : null;
        }
        assertThat(paged).containsExactlyElementsOf(MINE);
        assertThat(pageSizes).containsExactly(2, 2, 1);
        JsonNode first = list(SINCE_PARAM + "&limit=1").get("sessions").get(0);
        assertThat(first.get("owner").asText()).isEqualTo(EdgeTestConfig.OWNER);
        assertThat(first.get("status").asText()).isEqualTo("failed");
        assertThat(first.has("attempts")).isTrue();
        assertThat(first.has("transcript")).isFalse();
    }

    @Test
    void filtersByStatusAndShowsNoOtherOwnersSessions() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ids(list(SINCE_PARAM + "&status=failed"))).containsExactly(MINE.get(0), MINE.get(3)));
        assertThat(ids(list(SINCE_PARAM + "&status=streaming,completed")))
                .containsExactly(MINE.get(1), MINE.get(2), MINE.get(4));
        assertThat(ids(list(SINCE_PARAM + "&limit=100"))).doesNotContain(othersSession);
        assertThat(ids(list("since=" + SINCE + "&status=failed"))).containsExactly(MINE.get(0), MINE.get(3));
        HttpResponse<String> others = api.get("/v1/sessions?" + SINCE_PARAM, bearer(EdgeTestConfig.OTHER_API_KEY));
        assertThat(ids(json(others))).containsExactly(othersSession);
    }

    @Test
    void refusesBadParametersAndCredentialsOtherThanAnApiKey() throws Exception {
        assertThat(problem(get("limit=0"), 400)).contains("limit");
        assertThat(problem(get("limit=101"), 400)).contains("limit");
        assertThat(problem(get("limit=ten"), 400)).contains("limit");
        assertThat(problem(get("since=yesterday"), 400)).contains("since");
        for (String target : List.of("/v1/sessions?since=%ZZ", "/v1/sessions?limit=%", "/v1/sessions?since=a b")) {
            Map.Entry<Integer, String> raw = api.rawGet(target, "Bearer " + EdgeTestConfig.API_KEY);
            assertThat(raw.getKey()).as(target + " " + raw.getValue()).isEqualTo(400);
            assertThat(json(raw.getValue()).get("status").asInt()).isEqualTo(400);
        }
        assertThat(problem(get("status=finished"), 400)).contains("status");
        assertThat(problem(get("cursor=bm90LWEtY3Vyc29y"), 400)).contains("cursor");
        assertThat(problem(get("order=asc"), 400)).contains("order");
        problem(api.get("/v1/sessions", Map.of()), 401);
        problem(api.get("/v1/sessions", bearer("rt1.k1.x.y")), 401);
    }

    private static JsonNode list(String query) throws Exception {
        HttpResponse<String> response = get(query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private static HttpResponse<String> get(String query) throws Exception {
        return api.get("/v1/sessions?" + query, bearer(EdgeTestConfig.API_KEY));
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("sessions").forEach(s -> ids.add(s.get("id").asText()));
        return ids;
    }
}
