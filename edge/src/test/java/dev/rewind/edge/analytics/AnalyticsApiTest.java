package dev.rewind.edge.analytics;

import static dev.rewind.edge.analytics.AnalyticsRecords.key;
import static dev.rewind.edge.analytics.AnalyticsRecords.total;
import static dev.rewind.edge.analytics.AnalyticsRecords.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.RawRecords;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /v1/analytics against a real broker: the view of rewind.analytics as the analytics app writes it (transactions). */
@WithKafka
class AnalyticsApiTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static KafkaBroker kafka;
    private static EdgeServer edge;
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void start(KafkaBroker broker) {
        kafka = broker;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS,
                "analytics: {reader_keys: [" + EdgeTestConfig.OWNER + "]}"), Clock.systemUTC());
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "transactional.id", "edge-analytics-test-" + UUID.randomUUID(), "linger.ms", 0),
                new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
    }

    @AfterAll
    static void stop() {
        producer.close();
        edge.close();
    }

    @Test
    void answersTheLastHoursWindowsAndTheTotalsPerSeriesFilteredByUpstreamAndModel() throws Exception {
        String upstream = "up-" + UUID.randomUUID();
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        AnalyticsRecord.Window old = window(upstream, "small", minute.minus(3, ChronoUnit.HOURS), 1);
        AnalyticsRecord.Window earlier = window(upstream, "small", minute.minusSeconds(90 * 60), 2);
        AnalyticsRecord.Window recent = window(upstream, "small", minute.minusSeconds(10 * 60), 3);
        AnalyticsRecord.Window latest = window(upstream, "small", minute, 4);
        AnalyticsRecord.Window deleted = window(upstream, "small", minute.minusSeconds(5 * 60), 5);
        AnalyticsRecord.Window otherModel = window(upstream, "large|v2", minute, 6);
        write(old, earlier, recent, window(upstream, "small", minute, 1), latest, deleted, otherModel,
                total(upstream, "small", 100), total(upstream, "large|v2", 7));
        commit(key(deleted), null);
        commit(AnalyticsRecord.windowKey(upstream, "small", minute.minusSeconds(120)), "not json".getBytes(StandardCharsets.UTF_8));

        JsonNode body = await().atMost(Duration.ofSeconds(30)).until(
                () -> json(get("?upstream=" + upstream, EdgeTestConfig.API_KEY, 200)),
                answer -> answer.get("series").size() == 2 && answer.at("/series/1/windows").size() == 2);
        assertThat(body.get("caught_up").asBoolean()).isTrue();
        assertThat(body.get("horizon_ms").asLong()).isEqualTo(7_200_000);
        assertThat(Duration.between(Instant.parse(body.get("since").asText()), Instant.parse(body.get("now").asText())))
                .isEqualTo(Duration.ofHours(1));

        JsonNode large = body.at("/series/0");
        assertThat(large.get("model").asText()).isEqualTo("large|v2");
        assertThat(large.at("/total/stats/tokens").asLong()).isEqualTo(7);
        assertThat(large.at("/windows/0/stats/tokens").asLong()).isEqualTo(6);

        JsonNode small = body.at("/series/1");
        assertThat(small.get("upstream").asText()).isEqualTo(upstream);
        assertThat(small.get("model").asText()).isEqualTo("small");
        assertThat(small.at("/total/stats/tokens").asLong()).isEqualTo(100);
        assertThat(small.at("/total/stats/sessions/started").asLong()).isEqualTo(5);
        assertThat(small.at("/total/stats/ttft_ms/p95").asLong()).isEqualTo(300);
        JsonNode windows = small.get("windows");
        assertThat(windows.get(0).get("window_start").asText()).isEqualTo(recent.windowStart().toString());
        assertThat(windows.get(0).get("window_end").asText()).isEqualTo(recent.windowEnd().toString());
        assertThat(windows.get(0).get("final_after").asText()).isEqualTo(recent.finalAfter().toString());
        assertThat(windows.get(0).get("throughput_tokens_per_second").asDouble()).isEqualTo(3 / 60.0);
        assertThat(windows.get(1).at("/stats/tokens").asLong()).as("the newer value of a key wins").isEqualTo(4);
        assertThat(windows.get(1).has("type")).isFalse();
        assertThat(windows.get(1).has("upstream")).isFalse();

        JsonNode twoHours = json(get("?upstream=" + upstream + "&model=small&since="
                + minute.minus(5, ChronoUnit.HOURS), EdgeTestConfig.API_KEY, 200));
        assertThat(twoHours.get("series")).hasSize(1);
        assertThat(twoHours.at("/series/0/windows")).as("since is clamped to the horizon; the 3 h old window was dropped")
                .hasSize(3);
        assertThat(twoHours.at("/series/0/windows/0/window_start").asText()).isEqualTo(earlier.windowStart().toString());

        String encoded = URLEncoder.encode("large|v2", StandardCharsets.UTF_8);
        JsonNode one = json(get("?upstream=" + upstream + "&model=" + encoded, EdgeTestConfig.API_KEY, 200));
        assertThat(one.get("series")).hasSize(1);
        assertThat(one.at("/series/0/model").asText()).isEqualTo("large|v2");
    }

    @Test
    void aRecordThatDoesNotDecodeOrHasABadKeyIsDeadLetteredAndTheViewGoesOn() throws Exception {
        String upstream = "up-" + UUID.randomUUID();
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        try (RawRecords raw = new RawRecords(kafka.bootstrapServers())) {
            RecordMetadata garbage = raw.write(Topics.ANALYTICS, AnalyticsRecord.windowKey(upstream, "small", minute), "{\"type\":");
            RecordMetadata badKey = raw.write(Topics.ANALYTICS, "no-such-key", Serdes.ANALYTICS.serialize(Topics.ANALYTICS,
                    window(upstream, "small", minute, 1)));
            raw.write(Topics.ANALYTICS, AnalyticsRecord.totalKey(upstream, "small"), "{\"type\":\"percentiles\"}");
            write(window(upstream, "small", minute, 9));

            JsonNode body = await().atMost(Duration.ofSeconds(30)).until(
                    () -> json(get("?upstream=" + upstream, EdgeTestConfig.API_KEY, 200)), answer -> answer.get("series").size() == 1);
            assertThat(body.at("/series/0/windows/0/stats/tokens").asLong()).isEqualTo(9);
            assertThat(raw.awaitDeadLetter(garbage, Duration.ofSeconds(20)).reason()).startsWith("not-json: ");
            assertThat(raw.awaitDeadLetter(badKey, Duration.ofSeconds(20)).reason()).startsWith("wrong-key: ");
        }
    }

    @Test
    void anApiKeysBillingWindowIsSkippedNeverDeadLetteredAsABadKey() throws Exception {
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        String keyWindowKey = AnalyticsRecord.keyWindowKey("team-a", "sim", "small", minute);
        try (RawRecords raw = new RawRecords(kafka.bootstrapServers())) {
            RecordMetadata keyWindow = raw.write(Topics.ANALYTICS, keyWindowKey, Serdes.ANALYTICS.serialize(Topics.ANALYTICS,
                    new AnalyticsRecord.KeyWindow("team-a", "sim", "small", minute, minute.plusSeconds(60),
                            minute.plusSeconds(660), AnalyticsRecord.Billing.NONE)));
            // a bad key after it in the same partition: once that is dead-lettered, the key window was read before it
            String badKey = keyInPartition("no-such-key-", keyWindow.partition());
            RecordMetadata after = raw.write(Topics.ANALYTICS, badKey, "{}");
            raw.awaitDeadLetter(after, Duration.ofSeconds(20));
            assertThat(raw.deadLetterAt(keyWindow)).isEmpty();
        }
    }

    /** A key that Kafka's default partitioner puts in {@code partition} of the analytics topic. */
    private static String keyInPartition(String prefix, int partition) {
        for (int i = 0; ; i++) {
            byte[] key = (prefix + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key)) % PARTITIONS
                    == partition) {
                return prefix + i;
            }
        }
    }

    @Test
    void needsAnApiKeyListedInReaderKeysAndRefusesBadParameters() throws Exception {
        problem(get("", null, 401));
        problem(get("", "rt1.k1.forged.signature", 401));
        problem(get("", EdgeTestConfig.OTHER_API_KEY, 403));
        problem(get("?since=yesterday", EdgeTestConfig.API_KEY, 400));
        problem(get("?bucket=5m", EdgeTestConfig.API_KEY, 400));
        problem(get("?model=" + "m".repeat(300), EdgeTestConfig.API_KEY, 400));
    }

    @Test
    void everyApiKeyMayReadByDefaultAndATurnedOffViewIs404() throws Exception {
        try (EdgeServer open = EdgeServer.start(EdgeTestConfig.forBroker(kafka.bootstrapServers(), PARTITIONS), Clock.systemUTC());
                EdgeServer off = EdgeServer.start(EdgeTestConfig.forBroker(kafka.bootstrapServers(), PARTITIONS,
                        "analytics: {enabled: false}"), Clock.systemUTC())) {
            assertThat(send(open.port(), "", EdgeTestConfig.OTHER_API_KEY).statusCode()).isEqualTo(200);
            problem(send(off.port(), "", EdgeTestConfig.API_KEY), 404);
        }
    }

    private static void write(AnalyticsRecord... records) {
        producer.beginTransaction();
        for (AnalyticsRecord record : records) {
            producer.send(new ProducerRecord<>(Topics.ANALYTICS, key(record), Serdes.ANALYTICS.serialize(Topics.ANALYTICS, record)));
        }
        producer.commitTransaction();
    }

    private static void commit(String key, byte[] value) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(Topics.ANALYTICS, key, value));
        producer.commitTransaction();
    }

    private static HttpResponse<String> get(String query, String secret, int expected) throws Exception {
        HttpResponse<String> response = send(edge.port(), query, secret);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
        return response;
    }

    private static HttpResponse<String> send(int port, String query, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/analytics" + query))
                .timeout(Duration.ofSeconds(20));
        if (secret != null) {
            request.header("Authorization", "Bearer " + secret);
        }
        return HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        return Json.fromString(response.body(), JsonNode.class);
    }

    private static void problem(HttpResponse<String> response) {
        problem(response, response.statusCode());
    }

    private static void problem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(Json.fromString(response.body(), JsonNode.class).get("detail").asText()).isNotBlank();
    }
}
