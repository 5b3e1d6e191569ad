package dev.rewind.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.ingest.IngestConfig;
import dev.rewind.ingest.IngestService;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.processor.ProcessorConfig;
import dev.rewind.processor.StreamProcessor;
import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.Topics;
import java.math.BigDecimal;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through a real broker: requests with llm-sim fault scripts → ingest → simulator →
 * stream-processor → rewind.tokens → analytics → rewind.analytics. The numbers equal a count made
 * from what the test reads back from rewind.tokens, also when analytics restarts between two batches.
 */
@WithKafka
class PipelineAnalyticsTest {

    @TempDir
    static Path tmp;

    private static KafkaBroker broker;
    private static LlmSimulator sim;
    private static StreamProcessor processor;
    private static IngestService ingest;

    @BeforeAll
    static void start(KafkaBroker kafka) {
        broker = kafka;
        broker.ensureRewindTopics();
        String bootstrap = broker.bootstrapServers();
        int partitions = KafkaBroker.TEST_TOPICS.partitions();
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 200, first_token_delay_ms: 30}"), Map.of(),
                "llm-sim-defaults.yaml"));
        processor = StreamProcessor.start(ConfigLoader.load(ProcessorConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                ops: {host: 127.0.0.1, port: 0}
                topics: {partitions: %d}
                state_dir: "%s"
                prices:
                  currency: USD
                  models: {sim: {sim-small: {input: 0.5, output: 1.5}, "sim-small@disconnect-after=5x1": {input: 0.5, output: 1.5}}}
                """.formatted(bootstrap, partitions, tmp.resolve("processor"))), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml"));
        ingest = IngestService.start(ConfigLoader.load(IngestConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                ops: {host: 127.0.0.1, port: 0}
                topics: {partitions: %d}
                retry: {initial_backoff_ms: 100}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """.formatted(bootstrap, partitions, sim.baseUrl())), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml"), Map.of());
    }

    @AfterAll
    static void stop() {
        ingest.close();
        processor.close();
        sim.close();
    }

    @Test
    void analyticsOfScriptedSessionsEqualAnIndependentCountAcrossARestart() {
        List<String> sessions = new ArrayList<>();
        try (AnalyticsApp app = AnalyticsApp.start(config("first"))) {
            sessions.add(request("sim-small", "plain one"));
            sessions.add(request("sim-small", "plain two"));
            sessions.add(request("sim-small@status=503x1", "retried once"));
            sessions.add(request("sim-small@disconnect-after=5x1", "reset once"));
            awaitAnalyticsOf(sessions);
        }
        sessions.add(request("sim-small@status=400", "refused"));
        String cancelled = request("sim-small@tps=5,length=200", "cancel me");
        sessions.add(cancelled);
        await().atMost(Duration.ofSeconds(60)).until(() -> tokensOf(Set.of(cancelled)).stream()
                .anyMatch(e -> e.event() instanceof TokenEvent.Token));
        cancel(cancelled);
        // restarted between the batches with an empty state directory: state comes back from the changelogs
        try (AnalyticsApp app = AnalyticsApp.start(config("second"))) {
            List<TimedEvent> events = awaitAnalyticsOf(sessions);
            assertThat(events).extracting(TimedEvent::event).filteredOn(TokenEvent::isTerminal)
                    .extracting(TokenEvent::eventName).containsExactlyInAnyOrder("done", "done", "done", "done",
                            "error", "cancelled");
            assertThat(events).extracting(TimedEvent::event).anyMatch(e -> e instanceof TokenEvent.Reset);
            assertThat(events).extracting(TimedEvent::event)
                    .anyMatch(e -> e instanceof TokenEvent.Status s && s.state().equals("retrying"));
            awaitKeyBillingEqualsAnIndependentSumOverTheSummaries(sessions);
        }
    }

    /**
     * The key windows of team-a, summed over windows and models, against a sum of the sessions' final
     * summaries in rewind.sessions made here: the same tokens and the same exact cost; the unpriced
     * sessions (models without a price) counted apart.
     */
    private static void awaitKeyBillingEqualsAnIndependentSumOverTheSummaries(List<String> sessions) {
        Map<String, SessionSummary> summaries = AnalyticsTopicReader.summaries(broker.bootstrapServers(), Topics.SESSIONS);
        long output = 0;
        long unpriced = 0;
        BigDecimal cost = BigDecimal.ZERO;
        for (String id : sessions) {
            SessionSummary summary = summaries.get(id);
            assertThat(summary.status().isFinal()).as(id).isTrue();
            if (summary.totalUsage() != null) {
                output += summary.totalUsage().outputTokens() == null ? 0 : summary.totalUsage().outputTokens();
                if (summary.cost() == null) {
                    unpriced++;
                } else {
                    cost = cost.add(summary.cost().amount());
                }
            }
        }
        assertThat(cost).as("some sessions were priced").isPositive();
        assertThat(unpriced).as("some sessions had usage but no price").isPositive();
        long expectedOutput = output;
        long expectedUnpriced = unpriced;
        BigDecimal expectedCost = cost;
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            List<AnalyticsRecord.Billing> billings = AnalyticsTopicReader.latest(broker.bootstrapServers(), Topics.ANALYTICS)
                    .values().stream().filter(r -> r instanceof AnalyticsRecord.KeyWindow k && k.owner().equals("team-a"))
                    .map(r -> ((AnalyticsRecord.KeyWindow) r).billing()).toList();
            assertThat(billings.stream().mapToLong(AnalyticsRecord.Billing::outputTokens).sum()).isEqualTo(expectedOutput);
            assertThat(billings.stream().mapToLong(AnalyticsRecord.Billing::unpricedSessions).sum()).isEqualTo(expectedUnpriced);
            assertThat(billings.stream().filter(b -> b.cost() != null).map(b -> b.cost().amount())
                    .reduce(BigDecimal.ZERO, BigDecimal::add)).isEqualByComparingTo(expectedCost);
        });
    }

    /** Waits until the sessions ended in rewind.tokens and rewind.analytics shows their numbers. */
    private static List<TimedEvent> awaitAnalyticsOf(List<String> sessions) {
        List<TimedEvent> events = new ArrayList<>();
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            events.clear();
            events.addAll(tokensOf(Set.copyOf(sessions)));
            return AnalyticsTopicReader.allEnded(events, sessions.size());
        });
        Map<String, IndependentCount.Expected> expected = IndependentCount.of(events);
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            Map<String, AnalyticsRecord> latest = AnalyticsTopicReader.latest(broker.bootstrapServers(), Topics.ANALYTICS);
            assertThat(latest.keySet()).containsAll(expected.keySet());
            expected.forEach((key, numbers) -> IndependentCount.assertMatches(key, latest.get(key), numbers));
        });
        return events;
    }

    private static List<TimedEvent> tokensOf(Set<String> sessions) {
        return AnalyticsTopicReader.tokens(broker.bootstrapServers(), Topics.TOKENS).stream()
                .filter(e -> sessions.contains(e.sessionId())).toList();
    }

    private static String request(String model, String prompt) {
        String id = SessionIds.newId();
        send(Topics.REQUESTS, id, new RequestRecord.Start(id, "team-a", "sim", ProviderFormat.OPENAI_CHAT, model,
                List.of(RequestRecord.ChatMessage.text("user", prompt + " " + id)), null, Instant.now(), null),
                Serdes.REQUEST);
        return id;
    }

    private static void cancel(String id) {
        send(Topics.CONTROL, id, new ControlRecord.Cancel(id, "team-a", "user pressed stop", Instant.now()), Serdes.CONTROL);
    }

    private static <V> void send(String topic, String key, V value, Serializer<V> serializer) {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(config, new StringSerializer(), serializer)) {
            producer.send(new ProducerRecord<>(topic, key, value));
            producer.flush();
        }
    }

    private static AnalyticsConfig config(String stateDir) {
        return ConfigLoader.load(AnalyticsConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: %d}
                application_id: pipeline-analytics
                state_dir: "%s"
                commit_interval_ms: 100
                ops: {host: 127.0.0.1, port: 0}
                """.formatted(broker.bootstrapServers(), KafkaBroker.TEST_TOPICS.partitions(), tmp.resolve(stateDir))),
                Map.of(), ConfigLoader.KAFKA_DEFAULTS, "analytics-defaults.yaml");
    }
}
