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
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET of one session and its audit endpoints against a real broker: who may read what, and what they see. */
@WithKafka
class SessionReadApiTest {

    private static final int PARTITIONS = ApiCalls.PARTITIONS;
    private static EdgeServer edge;
    private static ApiCalls api;
    private static TopicWriter topics;

    @BeforeAll
    static void start(KafkaBroker broker) {
        edge = ApiCalls.startEdge(broker, "");
        api = new ApiCalls(edge.port());
        topics = new TopicWriter(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        topics.close();
        edge.close();
    }

    @Test
    void ownerAndTokenSeeTheSummaryTheTranscriptAfterTheLastResetAndFinalToolCalls() throws Exception {
        Created session = create(EdgeTestConfig.API_KEY);
        String id = session.id();
        topics.tokens(new TokenEvent.Start(id, 1, "sim", "sim-small"),
                new TokenEvent.Token(id, 2, "from a failed attempt"),
                new TokenEvent.Reset(id, 3, 2, "attempt 2 replaces attempt 1"),
                new TokenEvent.Token(id, 4, "Hel"),
                new TokenEvent.Token(id, 5, "lo"),
                new TokenEvent.ToolCall(id, 6, 0, 0, "call_1", "read_file", "{\"path\":\"a\"}",
                        Json.MAPPER.createObjectNode().put("path", "a"), true),
                new TokenEvent.Done(id, 7, "tool_calls", "tool_calls", Json.MAPPER.createObjectNode().put("total_tokens", 9)));
        topics.summary(new SessionSummary(id, EdgeTestConfig.OWNER, "sim", ProviderFormat.OPENAI_CHAT, "sim-small",
                session.createdAt(), SessionSummary.Status.COMPLETED,
                List.of(new SessionSummary.Attempt(1, session.createdAt(), 200, "failed", "upstream reset", 500L),
                        new SessionSummary.Attempt(2, session.createdAt().plusSeconds(1), 200, "completed", null, null)),
                3, Json.MAPPER.createObjectNode().put("total_tokens", 9), 150L, 2000L, null, null, 0));

        JsonNode owner = awaitStatus(id, bearer(EdgeTestConfig.API_KEY), "completed");
        assertThat(owner.get("transcript").asText()).isEqualTo("Hello");
        assertThat(owner.get("tool_calls")).hasSize(1);
        assertThat(owner.at("/tool_calls/0/name").asText()).isEqualTo("read_file");
        assertThat(owner.at("/tool_calls/0/arguments/path").asText()).isEqualTo("a");
        assertThat(owner.get("attempts")).hasSize(2);
        assertThat(owner.at("/attempts/0/retry_delay_ms").asLong()).isEqualTo(500);
        assertThat(owner.at("/attempts/0/reason").asText()).isEqualTo("upstream reset");
        assertThat(owner.get("ttft_ms").asLong()).isEqualTo(150);
        assertThat(owner.get("duration_ms").asLong()).isEqualTo(2000);
        assertThat(owner.at("/usage/total_tokens").asInt()).isEqualTo(9);
        assertThat(owner.get("created_at").asText()).isEqualTo(session.createdAt().toString());
        assertThat(owner.get("owner").asText()).isEqualTo(EdgeTestConfig.OWNER);
        assertThat(owner.has("tokens_partition")).isFalse();

        JsonNode reader = json(api.get("/v1/sessions/" + id, bearer(session.token())));
        assertThat(reader.get("transcript").asText()).isEqualTo("Hello");
        assertThat(reader.get("status").asText()).isEqualTo("completed");
        assertThat(reader.has("owner")).isFalse();

        // the query and the cookie carry a token for the streams only (EventSource cannot set headers)
        HttpResponse<String> streamByCookie = api.get("/v1/sessions/" + id + "/events",
                Map.of("Cookie", "other=1; rewind_token_" + id + "=" + session.token()));
        assertThat(streamByCookie.statusCode()).as(streamByCookie.body()).isEqualTo(200);
        assertThat(streamByCookie.body()).contains("event: done");
        problem(api.get("/v1/sessions/" + id, Map.of("Cookie", "rewind_token_" + id + "=" + session.token())), 401);
        problem(api.get("/v1/sessions/" + id + "?access_token=" + session.token(), Map.of()), 401);
    }

    @Test
    void aTokenOrKeyReadsOnlyItsOwnSessions() throws Exception {
        Created a = create(EdgeTestConfig.API_KEY);
        Created b = create(EdgeTestConfig.API_KEY);
        problem(api.get("/v1/sessions/" + b.id(), bearer(a.token())), 403);
        problem(api.get("/v1/sessions/" + b.id() + "/events", Map.of("Cookie", "rewind_token_" + b.id() + "=" + a.token())), 403);
        // a cookie named for another session is not this session's credential
        problem(api.get("/v1/sessions/" + b.id() + "/events", Map.of("Cookie", "rewind_token_" + a.id() + "=" + a.token())), 401);
        problem(api.get("/v1/sessions/" + a.id(), bearer(EdgeTestConfig.OTHER_API_KEY)), 403);
        problem(api.get("/v1/sessions/" + a.id(), Map.of()), 401);
        problem(api.get("/v1/sessions/" + a.id(), bearer("rt1.k1.forged.signature")), 401);
        problem(api.get("/v1/sessions/" + a.id(), bearer("not-a-key")), 401);
        // an API key counts only in the header
        problem(api.get("/v1/sessions/" + a.id() + "/events?access_token=" + EdgeTestConfig.API_KEY, Map.of()), 401);
        problem(api.get("/v1/sessions/" + SessionIds.newId(), bearer(EdgeTestConfig.API_KEY)), 404);
        problem(api.get("/v1/sessions/not-an-id", bearer(EdgeTestConfig.API_KEY)), 404);
    }

    @Test
    void aSessionWithoutASummaryYetIsPendingForItsTokenAndItsOwner() throws Exception {
        Created session = create(EdgeTestConfig.API_KEY);
        topics.tokens(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"), new TokenEvent.Token(session.id(), 2, "so far"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode view = json(api.get("/v1/sessions/" + session.id(), bearer(session.token())));
            assertThat(view.get("status").asText()).isEqualTo("pending");
            assertThat(view.get("transcript").asText()).isEqualTo("so far");
        });
        JsonNode owner = json(api.get("/v1/sessions/" + session.id(), bearer(EdgeTestConfig.API_KEY)));
        assertThat(owner.get("status").asText()).isEqualTo("pending");
        assertThat(owner.get("model").asText()).isEqualTo("sim-small");
    }

    @Test
    void theOwnerReadsThePromptAsReceivedAndNobodyElse() throws Exception {
        Created session = create(EdgeTestConfig.API_KEY);
        topics.summary(TopicWriter.summary(session.id(), EdgeTestConfig.OWNER, session.createdAt(), SessionSummary.Status.STREAMING));
        awaitStatus(session.id(), bearer(EdgeTestConfig.API_KEY), "streaming");

        HttpResponse<String> request = api.get("/v1/sessions/" + session.id() + "/request", bearer(EdgeTestConfig.API_KEY));
        assertThat(request.statusCode()).as(request.body()).isEqualTo(200);
        JsonNode start = json(request);
        assertThat(start.get("session_id").asText()).isEqualTo(session.id());
        assertThat(start.at("/messages/0/content").asText()).isEqualTo("hi");
        assertThat(start.get("model").asText()).isEqualTo("sim-small");
        assertThat(request.body()).doesNotContain(EdgeTestConfig.API_KEY);

        problem(api.get("/v1/sessions/" + session.id() + "/request", bearer(session.token())), 403);
        problem(api.get("/v1/sessions/" + session.id() + "/request", bearer(EdgeTestConfig.OTHER_API_KEY)), 403);
        problem(api.get("/v1/sessions/" + SessionIds.newId() + "/request", bearer(EdgeTestConfig.API_KEY)), 404);
    }

    @Test
    void theOwnerReadsAnAttemptsRawUpstreamBytesWithItsContentType() throws Exception {
        Created session = create(EdgeTestConfig.API_KEY);
        String id = session.id();
        Instant at = Instant.now();
        byte[] first = "data: {\"a\":".getBytes(StandardCharsets.UTF_8);
        byte[] second = "1}\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] other = "{\"b\":2}\n".getBytes(StandardCharsets.UTF_8);
        topics.chunks(
                new ChunkRecord.AttemptStarted(id, 1, 200, "text/event-stream", "sim", "sim-small", ProviderFormat.OPENAI_CHAT, at),
                new ChunkRecord.Chunk(id, 1, 0, ProviderFormat.OPENAI_CHAT, first, at),
                new ChunkRecord.Chunk(id, 1, 1, ProviderFormat.OPENAI_CHAT, second, at),
                new ChunkRecord.AttemptEnded(id, 1, ChunkRecord.AttemptOutcome.FAILED, "stalled", true, at),
                new ChunkRecord.RetryScheduled(id, 1, 100, "stalled", null, at),
                new ChunkRecord.AttemptStarted(id, 2, 200, "application/x-ndjson", "sim", "sim-small", ProviderFormat.OPENAI_CHAT, at),
                new ChunkRecord.Chunk(id, 2, 0, ProviderFormat.OPENAI_CHAT, other, at),
                new ChunkRecord.AttemptEnded(id, 2, ChunkRecord.AttemptOutcome.COMPLETED, null, false, at),
                new ChunkRecord.SessionEnded(id, 2, ChunkRecord.SessionOutcome.COMPLETED, null, null, null, null, at));
        topics.summary(TopicWriter.summary(id, EdgeTestConfig.OWNER, session.createdAt(), SessionSummary.Status.COMPLETED));
        awaitStatus(id, bearer(EdgeTestConfig.API_KEY), "completed");

        HttpResponse<byte[]> one = api.getBytes("/v1/sessions/" + id + "/upstream?attempt=1", bearer(EdgeTestConfig.API_KEY));
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(one.headers().firstValue("x-upstream-status")).hasValue("200");
        assertThat(new String(one.body(), StandardCharsets.UTF_8)).isEqualTo("data: {\"a\":1}\n\n");
        HttpResponse<byte[]> two = api.getBytes("/v1/sessions/" + id + "/upstream?attempt=2", bearer(EdgeTestConfig.API_KEY));
        assertThat(two.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        assertThat(two.body()).isEqualTo(other);

        problem(api.get("/v1/sessions/" + id + "/upstream?attempt=3", bearer(EdgeTestConfig.API_KEY)), 404);
        problem(api.get("/v1/sessions/" + id + "/upstream?attempt=zero", bearer(EdgeTestConfig.API_KEY)), 400);
        problem(api.get("/v1/sessions/" + id + "/upstream", bearer(EdgeTestConfig.API_KEY)), 400);
        problem(api.get("/v1/sessions/" + id + "/upstream?attempt=1", bearer(session.token())), 403);
        problem(api.get("/v1/sessions/" + id + "/upstream?attempt=1", bearer(EdgeTestConfig.OTHER_API_KEY)), 403);
    }

    private static JsonNode awaitStatus(String id, Map<String, String> auth, String status) {
        JsonNode[] seen = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> response = api.get("/v1/sessions/" + id, auth);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            seen[0] = json(response);
            assertThat(seen[0].get("status").asText()).isEqualTo(status);
        });
        return seen[0];
    }

    /** A session made through POST, with the created_at its token carries. */
    record Created(String id, String token, Instant createdAt) {}

    static Created create(ApiCalls api, String apiKey) throws Exception {
        HttpResponse<String> response = api.post("/v1/sessions", ApiCalls.SESSION_BODY, bearer(apiKey));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode body = json(response);
        String token = body.get("token").asText();
        return new Created(body.get("id").asText(), token, createdAtOf(token));
    }

    private static Created create(String apiKey) throws Exception {
        return create(api, apiKey);
    }

    /** The created_at a read token carries (its payload is base64url of id|created|expires). */
    static Instant createdAtOf(String token) {
        String payload = new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[2]), StandardCharsets.UTF_8);
        return Instant.ofEpochMilli(Long.parseLong(payload.split("\\|")[1]));
    }
}
