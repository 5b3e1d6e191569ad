package dev.rewind.edge.session;

import static dev.rewind.edge.session.ApiCalls.json;
import static dev.rewind.edge.session.ApiCalls.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.Topics;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Idempotency-Key against a real broker: a retry returns the same session, on this instance, another, and after a restart. */
@WithKafka
class IdempotencyTest {

    private static final int PARTITIONS = ApiCalls.PARTITIONS;
    private static final String OTHER_BODY =
            "{\"model\": \"sim-small\", \"messages\": [{\"role\": \"user\", \"content\": \"something else\"}]}";
    private static KafkaBroker broker;
    private static EdgeServer edge;
    private static ApiCalls api;

    @BeforeAll
    static void start(KafkaBroker kafka) {
        broker = kafka;
        edge = ApiCalls.startEdge(broker, "");
        api = new ApiCalls(edge.port());
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void aRetryWithTheSameKeyReturnsTheSameSessionAndWritesOneRequest() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = post(api, key, ApiCalls.SESSION_BODY, EdgeTestConfig.API_KEY);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        // the same request with its fields in another order and other whitespace is the same request
        HttpResponse<String> retry = post(api, key,
                "{ \"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"sim-small\" }", EdgeTestConfig.API_KEY);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
        String id = json(first).get("id").asText();
        assertThat(json(retry).get("id").asText()).isEqualTo(id);
        assertThat(retry.headers().firstValue("idempotent-replayed")).hasValue("true");
        assertThat(SessionReadApiTest.createdAtOf(json(retry).get("token").asText()))
                .isEqualTo(SessionReadApiTest.createdAtOf(json(first).get("token").asText()));
        assertThat(api.get("/v1/sessions/" + id, ApiCalls.bearer(json(retry).get("token").asText())).statusCode()).isEqualTo(200);
        assertThat(startRecords(id)).hasSize(1);
    }

    @Test
    void theSameKeyForADifferentRequestIs422AndKeysAreScopedToTheOwner() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = post(api, key, ApiCalls.SESSION_BODY, EdgeTestConfig.API_KEY);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(problem(post(api, key, OTHER_BODY, EdgeTestConfig.API_KEY), 422)).contains("Idempotency-Key");
        HttpResponse<String> otherOwner = post(api, key, ApiCalls.SESSION_BODY, EdgeTestConfig.OTHER_API_KEY);
        assertThat(otherOwner.statusCode()).isEqualTo(201);
        assertThat(json(otherOwner).get("id").asText()).isNotEqualTo(json(first).get("id").asText());
        assertThat(problem(post(api, "x".repeat(256), ApiCalls.SESSION_BODY, EdgeTestConfig.API_KEY), 400))
                .contains("Idempotency-Key");
        assertThat(problem(post(api, "spaces are not allowed", ApiCalls.SESSION_BODY, EdgeTestConfig.API_KEY), 400))
                .contains("Idempotency-Key");
    }

    @Test
    void anotherInstanceAndARestartedOneReturnTheSameSessionOnceItsSummaryExists() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = post(api, key, ApiCalls.SESSION_BODY, EdgeTestConfig.API_KEY);
        String id = json(first).get("id").asText();
        var createdAt = SessionReadApiTest.createdAtOf(json(first).get("token").asText());
        try (TopicWriter topics = new TopicWriter(broker.bootstrapServers())) {
            topics.summary(TopicWriter.summary(id, EdgeTestConfig.OWNER, createdAt, SessionSummary.Status.STREAMING));
        }
        var config = EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS);
        for (int run = 0; run < 2; run++) {
            // the second run reopens the first run's store: a restart of the same instance
            try (EdgeServer second = EdgeServer.start(config, Clock.systemUTC())) {
                ApiCalls secondApi = new ApiCalls(second.port());
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    HttpResponse<String> retry = post(secondApi, key, ApiCalls.SESSION_BODY, EdgeTestConfig.API_KEY);
                    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
                    assertThat(json(retry).get("id").asText()).isEqualTo(id);
                    assertThat(SessionReadApiTest.createdAtOf(json(retry).get("token").asText())).isEqualTo(createdAt);
                });
                // the first request is read back from rewind.requests to compare
                problem(post(secondApi, key, OTHER_BODY, EdgeTestConfig.API_KEY), 422);
            }
        }
        assertThat(startRecords(id)).hasSize(1);
    }

    private static HttpResponse<String> post(ApiCalls calls, String key, String body, String apiKey) throws Exception {
        return calls.post("/v1/sessions", body, Map.of("Authorization", "Bearer " + apiKey, "Idempotency-Key", key));
    }

    /** Every record of {@code id} in rewind.requests, read to the end of its partition. */
    private static List<ConsumerRecord<String, byte[]>> startRecords(String id) {
        TopicPartition tp = new TopicPartition(Topics.REQUESTS, SessionPartitioner.partitionFor(id, PARTITIONS));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<String, byte[]>> found = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (id.equals(r.key())) {
                        found.add(r);
                    }
                });
                return consumer.position(tp) >= end;
            });
            return found;
        }
    }
}
