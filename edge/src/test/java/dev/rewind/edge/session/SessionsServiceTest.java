package dev.rewind.edge.session;

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
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/sessions against a real broker: what is accepted lands in rewind.requests; what is not gets a problem. */
@WithKafka
class SessionsServiceTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EdgeServer edge;
    private static KafkaConsumer<String, byte[]> requests;
    private static String bootstrapServers;

    @BeforeAll
    static void start(KafkaBroker broker) {
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        bootstrapServers = broker.bootstrapServers();
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS,
                "topics: {max_message_bytes: 65536}\nhttp: {max_request_bytes: 262144}"), Clock.systemUTC());
        requests = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "group.id", "sessions-service-test", "auto.offset.reset", "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        requests.subscribe(List.of(Topics.REQUESTS));
    }

    @AfterAll
    static void stop() {
        requests.close();
        edge.close();
    }

    @Test
    void createsSessionAndStoresTheStartRequestWithTheOwnerNeverTheKey() throws Exception {
        HttpResponse<String> response = post(EdgeTestConfig.API_KEY, """
                {"upstream": "sim", "model": "sim-small",
                 "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}],
                 "params": {"temperature": 0.2, "max_tokens": 32}}""");

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode body = Json.fromString(response.body(), JsonNode.class);
        String id = body.get("id").asText();
        assertThat(SessionIds.isValid(id)).isTrue();
        assertThat(body.get("token").asText()).startsWith("rt1.k1.");
        assertThat(body.get("events_url").asText()).isEqualTo("/v1/sessions/" + id + "/events");
        assertThat(body.get("ws_url").asText()).isEqualTo("/v1/sessions/" + id + "/ws");
        assertThat(response.headers().firstValue("location")).hasValue("/v1/sessions/" + id);

        ConsumerRecord<String, byte[]> record = awaitRequest(id);
        String raw = new String(record.value(), StandardCharsets.UTF_8);
        assertThat(raw).doesNotContain(EdgeTestConfig.API_KEY);
        RequestRecord.Start start = (RequestRecord.Start) Json.fromBytes(record.value(), RequestRecord.class);
        assertThat(start.owner()).isEqualTo(EdgeTestConfig.OWNER);
        assertThat(start.upstream()).isEqualTo("sim");
        assertThat(start.providerFormat()).isEqualTo(ProviderFormat.OPENAI_CHAT);
        assertThat(start.model()).isEqualTo("sim-small");
        assertThat(start.messages()).hasSize(2);
        assertThat(start.params().get("max_tokens").asInt()).isEqualTo(32);
    }

    @Test
    void recordsTheConversationIdInTheStartRequestAndRefusesAMalformedOne() throws Exception {
        HttpResponse<String> response = post(EdgeTestConfig.API_KEY,
                "{\"model\": \"m\", \"conversation_id\": \"chat_1-a\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(response.statusCode()).isEqualTo(201);
        String id = Json.fromString(response.body(), JsonNode.class).get("id").asText();
        RequestRecord.Start start = (RequestRecord.Start) Json.fromBytes(awaitRequest(id).value(), RequestRecord.class);
        assertThat(start.conversationId()).isEqualTo("chat_1-a");

        assertThat(detailOf(post(EdgeTestConfig.API_KEY,
                "{\"model\": \"m\", \"conversation_id\": \"a b\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")))
                .contains("conversation_id");
        assertProblem(post(EdgeTestConfig.API_KEY, "{\"model\": \"m\", \"conversation_id\": \"" + "x".repeat(129)
                + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"), 400);
    }

    @Test
    void refusesAConversationAnotherKeyStartedWith403() throws Exception {
        SessionSummary theirs = TopicWriter.summary(SessionIds.newId(), "someone-else", java.time.Instant.now(),
                SessionSummary.Status.COMPLETED);
        try (TopicWriter writer = new TopicWriter(bootstrapServers)) {
            writer.summary(new SessionSummary(theirs.id(), theirs.owner(), theirs.upstream(), theirs.providerFormat(),
                    theirs.model(), theirs.createdAt(), theirs.status(), theirs.attempts(), 0, null, null, null, null, null,
                    0, "taken-chat"));
        }
        String body = "{\"model\": \"m\", \"conversation_id\": \"taken-chat\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(post(EdgeTestConfig.API_KEY, body).statusCode()).isEqualTo(403));
        HttpResponse<String> refused = post(EdgeTestConfig.API_KEY, body);
        assertProblem(refused, 403);
        assertThat(refused.body()).contains("another API key");
    }

    @Test
    void usesTheDefaultUpstreamWhenNoneIsNamed() throws Exception {
        HttpResponse<String> response = post(EdgeTestConfig.API_KEY,
                "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(response.statusCode()).isEqualTo(201);
        String id = Json.fromString(response.body(), JsonNode.class).get("id").asText();
        RequestRecord.Start start = (RequestRecord.Start) Json.fromBytes(awaitRequest(id).value(), RequestRecord.class);
        assertThat(start.upstream()).isEqualTo("sim");
    }

    @Test
    void refusesMissingAndUnknownApiKeysWith401() throws Exception {
        String valid = "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        assertProblem(post(null, valid), 401);
        assertProblem(post("not-a-key", valid), 401);
    }

    @Test
    void refusesInvalidBodiesWith400NamingTheProblem() throws Exception {
        assertProblem(post(EdgeTestConfig.API_KEY, "not json"), 400);
        assertProblem(post(EdgeTestConfig.API_KEY, ""), 400);
        assertThat(detailOf(post(EdgeTestConfig.API_KEY,
                "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"surprise\": 1}")))
                .contains("surprise");
        assertThat(detailOf(post(EdgeTestConfig.API_KEY, "{\"model\": \"m\", \"messages\": []}"))).contains("messages");
        assertThat(detailOf(post(EdgeTestConfig.API_KEY, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")))
                .contains("model");
        assertThat(detailOf(post(EdgeTestConfig.API_KEY,
                "{\"model\": \"m\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}"))).contains("role");
        assertThat(detailOf(post(EdgeTestConfig.API_KEY,
                "{\"upstream\": \"nope\", \"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")))
                .contains("unknown upstream 'nope'");
        assertThat(detailOf(post(EdgeTestConfig.API_KEY,
                "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"params\": {\"n\": 2}}")))
                .contains("params.n");
    }

    @Test
    void refusesARequestLargerThanTheTopicAcceptsWith413() throws Exception {
        String big = "x".repeat(100_000);
        HttpResponse<String> response = post(EdgeTestConfig.API_KEY,
                "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"" + big + "\"}]}");
        assertProblem(response, 413);
    }

    private static String detailOf(HttpResponse<String> response) {
        assertProblem(response, 400);
        return Json.fromString(response.body(), JsonNode.class).get("detail").asText();
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode body = Json.fromString(response.body(), JsonNode.class);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("detail").asText()).isNotBlank();
    }

    private static ConsumerRecord<String, byte[]> awaitRequest(String sessionId) {
        List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            requests.poll(Duration.ofMillis(200)).forEach(seen::add);
            return seen.stream().anyMatch(r -> sessionId.equals(r.key()));
        });
        return seen.stream().filter(r -> sessionId.equals(r.key())).findFirst().orElseThrow();
    }

    private static HttpResponse<String> post(String apiKey, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/v1/sessions"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(15))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
