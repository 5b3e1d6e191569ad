package dev.rewind.edge.session;

import static dev.rewind.edge.session.ApiCalls.bearer;
import static dev.rewind.edge.session.ApiCalls.json;
import static dev.rewind.edge.session.ApiCalls.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /v1/sessions/{id}/timeline against a real broker: every event with its id and time, bounded, same auth as the session. */
@WithKafka
class TimelineApiTest {

    private static final int MAX_EVENTS = 12;
    private static EdgeServer edge;
    private static ApiCalls api;
    private static TokenTopicWriter tokens;
    private static TopicWriter topics;

    @BeforeAll
    static void start(KafkaBroker broker) {
        edge = ApiCalls.startEdge(broker, "timeline: {max_events: " + MAX_EVENTS + "}");
        api = new ApiCalls(edge.port());
        tokens = new TokenTopicWriter(broker.bootstrapServers());
        topics = new TopicWriter(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        tokens.close();
        topics.close();
        edge.close();
    }

    @Test
    void listsEveryEventWithItsIdTimestampOffsetFromCreationAndCompactPayload() throws Exception {
        SessionReadApiTest.Created session = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        String id = session.id();
        long created = session.createdAt().toEpochMilli();
        List<TokenEvent> events = List.of(
                new TokenEvent.Start(id, 1, "sim", "sim-small"),
                new TokenEvent.Status(id, 2, "retrying", 2, 3000L, "upstream 503"),
                new TokenEvent.Reset(id, 3, 2, "attempt 2 replaces attempt 1"),
                new TokenEvent.Reasoning(id, 4, "thinking"),
                new TokenEvent.Token(id, 5, "Hel"),
                new TokenEvent.ToolCall(id, 6, 0, 3, "call_1", "read_file", "{\"pa",
                        Json.MAPPER.createObjectNode(), false),
                new TokenEvent.ToolCall(id, 7, 0, 3, "call_1", "read_file", "th\":\"a\"}",
                        Json.MAPPER.createObjectNode().put("path", "a"), true),
                new TokenEvent.Warning(id, 8, "malformed_fragment", "skipped"),
                new TokenEvent.Done(id, 9, "tool_calls", "tool_use", Json.MAPPER.createObjectNode().put("total_tokens", 9)));
        long[] stamps = {created + 3, created + 40, created + 3100, created + 3180, created + 3200, created + 3250,
            created + 3300, created + 3301, created + 3400};
        tokens.commitStamped(events, stamps);
        topics.summary(new SessionSummary(id, EdgeTestConfig.OWNER, "sim", ProviderFormat.OPENAI_CHAT, "sim-small",
                session.createdAt(), SessionSummary.Status.COMPLETED,
                List.of(new SessionSummary.Attempt(1, session.createdAt(), 503, "failed", "upstream 503", 3000L),
                        new SessionSummary.Attempt(2, session.createdAt().plusSeconds(3), 200, "completed", null, null)),
                1, null, 3180L, 3400L, null, null, 0));

        JsonNode timeline = awaitCompleted(id, bearer(session.token()));
        assertThat(timeline.get("id").asText()).isEqualTo(id);
        assertThat(timeline.get("created_at").asText()).isEqualTo(session.createdAt().toString());
        assertThat(timeline.get("attempts")).hasSize(2);
        assertThat(timeline.at("/attempts/0/retry_delay_ms").asLong()).isEqualTo(3000);
        assertThat(timeline.at("/attempts/1/upstream_status").asInt()).isEqualTo(200);
        assertThat(timeline.get("ttft_ms").asLong()).isEqualTo(3180);
        assertThat(timeline.get("truncated").asBoolean()).isFalse();
        assertThat(timeline.get("event_count").asInt()).isEqualTo(9);
        assertThat(timeline.has("owner")).isFalse();
        assertThat(timeline.has("transcript")).isFalse();

        JsonNode list = timeline.get("events");
        assertThat(list).hasSize(9);
        long previousOffset = -1;
        for (int i = 0; i < list.size(); i++) {
            JsonNode event = list.get(i);
            EventId eventId = EventId.parse(event.get("id").asText());
            assertThat(eventId.partition()).isEqualTo(SessionPartitioner.partitionFor(id, ApiCalls.PARTITIONS));
            assertThat(eventId.seq()).isEqualTo(i + 1);
            assertThat(eventId.offset()).isGreaterThan(previousOffset);
            previousOffset = eventId.offset();
            assertThat(event.get("seq").asLong()).isEqualTo(i + 1);
            assertThat(event.get("type").asText()).isEqualTo(events.get(i).eventName());
            assertThat(event.get("ts").asText()).isEqualTo(Instant.ofEpochMilli(stamps[i]).toString());
            assertThat(event.get("t_ms").asLong()).isEqualTo(stamps[i] - created);
            assertThat(event.has("session_id")).isFalse();
        }
        assertThat(list.get(0).get("model").asText()).isEqualTo("sim-small");
        assertThat(list.get(1).get("state").asText()).isEqualTo("retrying");
        assertThat(list.get(1).get("delay_ms").asLong()).isEqualTo(3000);
        assertThat(list.get(1).get("reason").asText()).isEqualTo("upstream 503");
        assertThat(list.get(2).get("attempt").asInt()).isEqualTo(2);
        assertThat(list.get(3).get("text").asText()).isEqualTo("thinking");
        assertThat(list.get(4).get("text").asText()).isEqualTo("Hel");
        assertThat(list.get(5).get("arguments_delta").asText()).isEqualTo("{\"pa");
        assertThat(list.get(5).get("final").asBoolean()).isFalse();
        assertThat(list.get(5).has("arguments")).as("snapshots of unfinished calls are left out").isFalse();
        assertThat(list.get(6).get("provider_index").asInt()).isEqualTo(3);
        assertThat(list.get(6).get("call_id").asText()).isEqualTo("call_1");
        assertThat(list.get(6).get("name").asText()).isEqualTo("read_file");
        assertThat(list.get(6).at("/arguments/path").asText()).isEqualTo("a");
        assertThat(list.get(7).get("code").asText()).isEqualTo("malformed_fragment");
        assertThat(list.get(8).get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(list.get(8).at("/usage/total_tokens").asInt()).isEqualTo(9);

        JsonNode owner = json(api.get("/v1/sessions/" + id + "/timeline", bearer(EdgeTestConfig.API_KEY)));
        assertThat(owner.get("owner").asText()).isEqualTo(EdgeTestConfig.OWNER);
        assertThat(owner.get("events")).isEqualTo(list);
    }

    @Test
    void stopsAtMaxEventsAndSaysItIsTruncated() throws Exception {
        SessionReadApiTest.Created session = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        tokens.commit(TokenTopicWriter.conversationEvents(session.id(), TokenTopicWriter.numbered(MAX_EVENTS + 5)));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode timeline = json(api.get("/v1/sessions/" + session.id() + "/timeline", bearer(session.token())));
            assertThat(timeline.get("events")).hasSize(MAX_EVENTS);
            assertThat(timeline.get("event_count").asInt()).isEqualTo(MAX_EVENTS);
            assertThat(timeline.get("truncated").asBoolean()).isTrue();
            assertThat(timeline.at("/events/" + (MAX_EVENTS - 1) + "/seq").asLong()).isEqualTo(MAX_EVENTS);
        });
    }

    @Test
    void aRepeatedEventIsListedOnceAndAnUnfinishedSessionIsPendingForItsToken() throws Exception {
        SessionReadApiTest.Created session = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        String id = session.id();
        TokenEvent start = new TokenEvent.Start(id, 1, "sim", "sim-small");
        TokenEvent token = new TokenEvent.Token(id, 2, "so far");
        // a non-transactional writer that repeats an event, as a producer retry without idempotence would
        topics.tokens(start, token, token);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode timeline = json(api.get("/v1/sessions/" + id + "/timeline", bearer(session.token())));
            assertThat(timeline.get("status").asText()).isEqualTo("pending");
            List<Long> seqs = new ArrayList<>();
            timeline.get("events").forEach(event -> seqs.add(event.get("seq").asLong()));
            assertThat(seqs).containsExactly(1L, 2L);
            assertThat(timeline.get("truncated").asBoolean()).isFalse();
        });
    }

    @Test
    void readableOnlyWithTheOwnersKeyOrTheSessionsTokenInTheHeader() throws Exception {
        SessionReadApiTest.Created a = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        SessionReadApiTest.Created b = SessionReadApiTest.create(api, EdgeTestConfig.API_KEY);
        problem(api.get("/v1/sessions/" + b.id() + "/timeline", bearer(a.token())), 403);
        problem(api.get("/v1/sessions/" + a.id() + "/timeline", bearer(EdgeTestConfig.OTHER_API_KEY)), 403);
        problem(api.get("/v1/sessions/" + a.id() + "/timeline", Map.of()), 401);
        problem(api.get("/v1/sessions/" + a.id() + "/timeline?access_token=" + a.token(), Map.of()), 401);
        problem(api.get("/v1/sessions/" + a.id() + "/timeline", Map.of("Cookie", "rewind_token_" + a.id() + "=" + a.token())), 401);
        problem(api.get("/v1/sessions/" + SessionIds.newId() + "/timeline", bearer(EdgeTestConfig.API_KEY)), 404);
        problem(api.get("/v1/sessions/not-an-id/timeline", bearer(EdgeTestConfig.API_KEY)), 404);
    }

    private static JsonNode awaitCompleted(String id, Map<String, String> auth) {
        JsonNode[] seen = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> response = api.get("/v1/sessions/" + id + "/timeline", auth);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
            seen[0] = json(response);
            assertThat(seen[0].get("status").asText()).isEqualTo("completed");
            assertThat(seen[0].get("events")).hasSize(9);
        });
        return seen[0];
    }
}
