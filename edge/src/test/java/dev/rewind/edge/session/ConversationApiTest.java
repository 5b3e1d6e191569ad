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
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.SessionSummary.Status;
import dev.rewind.protocol.TokenEvent;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /v1/conversations and /v1/conversations/{id} against a real broker: the key's conversations
 * from the store fed by rewind.sessions, newest activity first, paged; one conversation's turns in
 * order with prompt, transcript, status and usage; another key's conversation is a 404.
 */
@WithKafka
class ConversationApiTest {

    // after every conversation earlier test classes wrote to the shared topic; near now, as record timestamps must be
    private static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
    private static final String SINCE = "since=" + URLEncoder.encode(T0.toString(), StandardCharsets.UTF_8);
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String THREAD = "thread-" + RUN;
    private static final String SHORT = "short-" + RUN;
    private static final String FAILED = "failed-" + RUN;
    private static final String THEIRS = "theirs-" + RUN;
    private static final List<String> THREAD_TURNS = new ArrayList<>();
    private static EdgeServer edge;
    private static ApiCalls api;

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        edge = ApiCalls.startEdge(broker, "");
        api = new ApiCalls(edge.port());
        try (TopicWriter topics = new TopicWriter(broker.bootstrapServers())) {
            for (int i = 0; i < 3; i++) {
                THREAD_TURNS.add(SessionIds.newId());
            }
            String first = THREAD_TURNS.get(0);
            topics.request(new RequestRecord.Start(first, EdgeTestConfig.OWNER, "sim", ProviderFormat.OPENAI_CHAT, "sim-small",
                    List.of(new RequestRecord.ChatMessage("user", Json.MAPPER.getNodeFactory().textNode("first question"),
                            null, null, null)),
                    Json.MAPPER.createObjectNode().put("max_tokens", 64), T0, null, THREAD));
            topics.tokens(new TokenEvent.Start(first, 1, "sim", "sim-small"), new TokenEvent.Token(first, 2, "Hel"),
                    new TokenEvent.Token(first, 3, "lo"),
                    new TokenEvent.Done(first, 4, "stop", "stop", Json.MAPPER.createObjectNode().put("total_tokens", 7)));
            SessionSummary done = TopicWriter.turn(first, EdgeTestConfig.OWNER, T0, Status.COMPLETED, THREAD);
            topics.summary(new SessionSummary(done.id(), done.owner(), done.upstream(), done.providerFormat(), done.model(),
                    done.createdAt(), done.status(), done.attempts(), 2, Json.MAPPER.createObjectNode().put("total_tokens", 7),
                    120L, 900L, null, null, 0, THREAD));
            topics.summary(TopicWriter.turn(THREAD_TURNS.get(1), EdgeTestConfig.OWNER, T0.plusSeconds(60), Status.COMPLETED, THREAD));
            topics.summary(TopicWriter.turn(THREAD_TURNS.get(2), EdgeTestConfig.OWNER, T0.plusSeconds(120), Status.STREAMING, THREAD));
            topics.summary(TopicWriter.turn(SessionIds.newId(), EdgeTestConfig.OWNER, T0.plusSeconds(30), Status.COMPLETED, SHORT));
            topics.summary(TopicWriter.turn(SessionIds.newId(), EdgeTestConfig.OWNER, T0.plusSeconds(90), Status.FAILED, FAILED));
            topics.summary(TopicWriter.turn(SessionIds.newId(), "other-owner", T0.plusSeconds(100), Status.COMPLETED, THEIRS));
        }
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void listsTheKeysConversationsByLatestActivityPagedByCursor() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ids(list(EdgeTestConfig.API_KEY, SINCE))).containsExactly(THREAD, FAILED, SHORT));
        List<String> paged = new ArrayList<>();
        String query = SINCE + "&limit=1";
        while (query != null) {
            JsonNode page = list(EdgeTestConfig.API_KEY, query);
            assertThat(page.get("conversations")).hasSizeLessThanOrEqualTo(1);
            paged.addAll(ids(page));
            query = page.has("next_cursor") ? SINCE + "&limit=1&cursor=" + page.get("next_cursor").asText() : null;
        }
        assertThat(paged).containsExactly(THREAD, FAILED, SHORT);
        JsonNode thread = list(EdgeTestConfig.API_KEY, SINCE).get("conversations").get(0);
        assertThat(thread.get("turn_count").asInt()).isEqualTo(3);
        assertThat(thread.get("last_activity").asText()).isEqualTo(T0.plusSeconds(120).toString());
        assertThat(thread.get("status").asText()).isEqualTo("streaming");
        assertThat(thread.get("latest_session_id").asText()).isEqualTo(THREAD_TURNS.get(2));
        assertThat(ids(list(EdgeTestConfig.OTHER_API_KEY, SINCE))).containsExactly(THEIRS);
        assertThat(ids(list(EdgeTestConfig.API_KEY, "since=" + T0.plusSeconds(60)))).containsExactly(THREAD, FAILED);
    }

    @Test
    void showsTheTurnsInOrderWithPromptTranscriptStatusAndUsage() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(turnIds(conversation(THREAD, ""))).containsExactlyElementsOf(THREAD_TURNS));
        JsonNode whole = conversation(THREAD, "");
        assertThat(whole.get("turn_count").asInt()).isEqualTo(3);
        JsonNode first = whole.get("turns").get(0);
        assertThat(first.at("/messages/0/content").asText()).isEqualTo("first question");
        assertThat(first.at("/params/max_tokens").asInt()).isEqualTo(64);
        assertThat(first.get("transcript").asText()).isEqualTo("Hello");
        assertThat(first.get("tool_calls")).isEmpty();
        assertThat(first.get("status").asText()).isEqualTo("completed");
        assertThat(first.at("/usage/total_tokens").asInt()).isEqualTo(7);
        assertThat(first.get("ttft_ms").asLong()).isEqualTo(120);
        assertThat(first.get("duration_ms").asLong()).isEqualTo(900);
        assertThat(first.get("conversation_id").asText()).isEqualTo(THREAD);
        assertThat(whole.get("turns").get(2).get("status").asText()).isEqualTo("streaming");

        JsonNode page = conversation(THREAD, "?limit=2");
        assertThat(turnIds(page)).containsExactlyElementsOf(THREAD_TURNS.subList(0, 2));
        JsonNode rest = conversation(THREAD, "?limit=2&cursor=" + page.get("next_cursor").asText());
        assertThat(turnIds(rest)).containsExactly(THREAD_TURNS.get(2));
        assertThat(rest.has("next_cursor")).isFalse();
    }

    @Test
    void anotherKeysConversationIsNotFoundLikeAnUnknownOne() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                api.get("/v1/conversations/" + THEIRS, bearer(EdgeTestConfig.OTHER_API_KEY)).statusCode()).isEqualTo(200));
        String theirs = problem(api.get("/v1/conversations/" + THEIRS, bearer(EdgeTestConfig.API_KEY)), 404);
        String unknown = problem(api.get("/v1/conversations/never-" + RUN, bearer(EdgeTestConfig.API_KEY)), 404);
        assertThat(theirs).isEqualTo(unknown);
        problem(api.get("/v1/conversations/not%20an%20id", bearer(EdgeTestConfig.API_KEY)), 404);
    }

    @Test
    void refusesBadParametersAndCredentialsOtherThanAnApiKey() throws Exception {
        assertThat(problem(get("/v1/conversations?limit=0"), 400)).contains("limit");
        assertThat(problem(get("/v1/conversations?limit=101"), 400)).contains("limit");
        assertThat(problem(get("/v1/conversations?since=yesterday"), 400)).contains("since");
        assertThat(problem(get("/v1/conversations?cursor=bm90LWEtY3Vyc29y"), 400)).contains("cursor");
        assertThat(problem(get("/v1/conversations?status=failed"), 400)).contains("status");
        assertThat(problem(get("/v1/conversations/" + THREAD + "?limit=51"), 400)).contains("limit");
        assertThat(problem(get("/v1/conversations/" + THREAD + "?cursor=%21"), 400)).contains("cursor");
        problem(api.get("/v1/conversations", java.util.Map.of()), 401);
        problem(api.get("/v1/conversations/" + THREAD, bearer("rt1.k1.x.y")), 401);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return api.get(path, bearer(EdgeTestConfig.API_KEY));
    }

    private static JsonNode list(String apiKey, String query) throws Exception {
        HttpResponse<String> response = api.get("/v1/conversations?" + query, bearer(apiKey));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private static JsonNode conversation(String id, String query) throws Exception {
        HttpResponse<String> response = get("/v1/conversations/" + id + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("conversations").forEach(c -> ids.add(c.get("id").asText()));
        return ids;
    }

    private static List<String> turnIds(JsonNode conversation) {
        List<String> ids = new ArrayList<>();
        conversation.get("turns").forEach(t -> ids.add(t.get("id").asText()));
        return ids;
    }
}
