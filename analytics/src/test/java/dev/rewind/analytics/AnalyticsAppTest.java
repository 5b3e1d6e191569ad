package dev.rewind.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analytics app against a real broker, on scripted token events: its numbers equal the ones
 * computed independently, a restart half-way changes nothing, and a second app replaying the same
 * topic from the start writes exactly the same records.
 */
@WithKafka
class AnalyticsAppTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int PARTITIONS = 3;

    @TempDir
    static Path tmp;

    private static KafkaBroker broker;

    @BeforeAll
    static void topics(KafkaBroker kafka) {
        broker = kafka;
        broker.ensureRewindTopics();
    }

    @Test
    void numbersEqualAnIndependentCountAndSurviveARestartAndAReplay() throws Exception {
        String tokens = broker.createTopic("tokens", PARTITIONS);
        String output = "analytics-" + UUID.randomUUID();
        long t0 = Instant.now().minus(Duration.ofMinutes(5)).toEpochMilli() / 60_000 * 60_000;
        List<TimedEvent> firstHalf = sessions(t0, 0, 12);
        List<TimedEvent> secondHalf = sessions(t0 + 90_000, 12, 12);
        produce(tokens, firstHalf);

        String applicationId = "analytics-test-" + UUID.randomUUID();
        try (AnalyticsApp app = AnalyticsApp.start(config(applicationId, tokens, output, "first-run"))) {
            awaitNumbers(output, firstHalf);
        }
        produce(tokens, secondHalf);
        List<TimedEvent> all = new ArrayList<>(firstHalf);
        all.addAll(secondHalf);
        // restarted with an empty state directory: the state comes back from its changelogs
        try (AnalyticsApp app = AnalyticsApp.start(config(applicationId, tokens, output, "second-run"))) {
            Map<String, AnalyticsRecord> afterRestart = awaitNumbers(output, all);

            String metrics = get("http://127.0.0.1:" + app.opsPort() + "/metrics");
            AnalyticsRecord.SeriesStats total = ((AnalyticsRecord.Series) afterRestart.get("total|sim|sim-small")).stats();
            assertThat(metrics).contains("rewind_analytics_tokens_total{model=\"sim-small\",upstream=\"sim\"} "
                    + (double) total.tokens());
            assertThat(metrics).contains("rewind_analytics_sessions_total{model=\"sim-small\",outcome=\"error\",upstream=\"sim\"} "
                    + (double) total.sessions().error());
            assertThat(metrics).contains("rewind_analytics_ttft_milliseconds{model=\"sim-small\",quantile=\"0.95\",upstream=\"sim\"} "
                    + (double) total.ttftMs().p95());
            assertThat(metrics).contains("rewind_analytics_errors_total{code=\"upstream_bad_request\",model=\"sim-small\",upstream=\"sim\"} ");
            assertThat(get("http://127.0.0.1:" + app.opsPort() + "/health/ready")).contains("UP");
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.opsPort()
                    + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Content-Type")).hasValue("application/problem+json");

            String replayed = "analytics-replay-" + UUID.randomUUID();
            try (AnalyticsApp replay = AnalyticsApp.start(config("analytics-replay-" + UUID.randomUUID(), tokens,
                    replayed, "replay"))) {
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                        assertThat(series(AnalyticsTopicReader.latest(broker.bootstrapServers(), replayed))).isEqualTo(afterRestart));
            }
        }
    }

    /** Sessions of two models: plain, retried, reset, failed and cancelled ones, spread over a few minutes. */
    private static List<TimedEvent> sessions(long from, int first, int count) {
        List<TimedEvent> events = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            String id = "s_app" + String.format("%018d", i);
            String model = i % 3 == 0 ? "gpt-sim" : "sim-small";
            ScriptedSession session = ScriptedSession.start(id, "sim", model, from + i * 7_000L);
            events.addAll(switch (i % 5) {
                case 0 -> session.tokens(6 + i, 120 + i * 3L, 30).done(20);
                case 1 -> session.retrying(40, 500).tokens(4, 200, 25).done(10);
                case 2 -> session.tokens(5, 150, 20).reset(5).tokens(9, 180, 22).done(15);
                case 3 -> session.error(60, "upstream_bad_request");
                default -> session.tokens(3, 90, 40).cancelled(30);
            });
        }
        return events;
    }

    private static Map<String, AnalyticsRecord> awaitNumbers(String output, List<TimedEvent> events) {
        Map<String, IndependentCount.Expected> expected = IndependentCount.of(events);
        Map<String, AnalyticsRecord> latest = new HashMap<>();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            latest.clear();
            latest.putAll(series(AnalyticsTopicReader.latest(broker.bootstrapServers(), output)));
            assertThat(latest.keySet()).isEqualTo(expected.keySet());
            expected.forEach((key, numbers) -> IndependentCount.assertMatches(key, latest.get(key), numbers));
        });
        return latest;
    }

    /**
     * The per-model series only: the app also writes each API key's billing windows, from the summaries in
     * rewind.sessions, which other tests on this broker write too (their sums: AnalyticsTopologyTest, PipelineAnalyticsTest).
     */
    private static Map<String, AnalyticsRecord> series(Map<String, AnalyticsRecord> records) {
        Map<String, AnalyticsRecord> series = new HashMap<>(records);
        series.keySet().removeIf(key -> key.startsWith("key|"));
        return series;
    }

    private static void produce(String topic, List<TimedEvent> events) {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<String, dev.rewind.protocol.TokenEvent> producer =
                new KafkaProducer<>(config, new StringSerializer(), Serdes.TOKEN)) {
            events.forEach(e -> producer.send(new ProducerRecord<>(topic, null, e.timestamp(), e.sessionId(), e.event())));
            producer.flush();
        }
    }

    private static AnalyticsConfig config(String applicationId, String tokens, String output, String stateDir) {
        return ConfigLoader.load(AnalyticsConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: %d}
                application_id: "%s"
                state_dir: "%s"
                tokens_topic: "%s"
                analytics_topic: "%s"
                commit_interval_ms: 100
                ops: {host: 127.0.0.1, port: 0}
                """.formatted(broker.bootstrapServers(), PARTITIONS, applicationId, tmp.resolve(stateDir), tokens,
                output)), Map.of(), ConfigLoader.KAFKA_DEFAULTS, "analytics-defaults.yaml");
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }
}
