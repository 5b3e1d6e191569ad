package dev.rewind.edge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.kafkatest.RawRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.RecordMetadata;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.SessionSummary.Status;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The feed from rewind.sessions into the store, against a real broker: catch-up, updates, tombstones, and resuming after a restart. */
@WithKafka
class SessionStoreFeedTest {

    private static KafkaBroker broker;
    private static KafkaProducer<String, byte[]> producer;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeAll
    static void start(KafkaBroker kafka) {
        broker = kafka;
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(3));
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 0),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
    }

    @Test
    void fillsFromTheBeginningFollowsUpdatesAndTombstonesAndResumesFromStoredOffsets() throws Exception {
        Path dir = Path.of(EdgeTestConfig.freshStoreDir());
        String early = SessionIds.newId();
        String later = SessionIds.newId();
        String kept = SessionIds.newId();
        Instant createdAt = Instant.parse("2032-05-01T00:00:00Z");
        write(early, SessionStoreTest.summary(early, "feed-owner", createdAt, Status.STREAMING));
        write(kept, SessionStoreTest.summary(kept, "feed-owner", createdAt.minusSeconds(1), Status.COMPLETED));

        try (SessionStore store = SessionStore.open(dir, 1 << 20); SessionStoreFeed feed = SessionStoreFeed.start(config(), store, new ReaderFaults(broker.clientConfig(), meters))) {
            assertThat(feed.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            assertThat(feed.caughtUp()).isTrue();
            assertThat(store.get(early)).map(SessionSummary::status).hasValue(Status.STREAMING);
            write(early, SessionStoreTest.summary(early, "feed-owner", createdAt, Status.COMPLETED));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(store.get(early)).map(SessionSummary::status).hasValue(Status.COMPLETED));
            write(early, null);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(store.get(early)).isEmpty());
            await().atMost(Duration.ofSeconds(20)).until(() -> store.nextOffsets().equals(endOffsets()));
        }

        // while the edge is down, one more summary arrives; after the restart it is there, read from the stored offsets on
        write(later, SessionStoreTest.summary(later, "feed-owner", createdAt.plusSeconds(1), Status.FAILED));
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            // a marker only this store has: were the topic read again from its beginning, `kept` would come back
            assertThat(store.get(kept)).isPresent();
            store.apply(List.of(new SessionStore.Update(0, 0, kept, null)), store.nextOffsets());
            try (SessionStoreFeed feed = SessionStoreFeed.start(config(), store, new ReaderFaults(broker.clientConfig(), meters))) {
                assertThat(feed.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(store.get(later)).map(SessionSummary::status).hasValue(Status.FAILED);
                assertThat(store.get(early)).isEmpty();
                assertThat(store.get(kept)).isEmpty();
                assertThat(store.page("feed-owner", new SessionStore.PageQuery(createdAt, Set.of(), 10, null, 100))
                        .sessions()).extracting(SessionSummary::id).containsExactly(later);
            }
        }
    }

    @Test
    void aSummaryThatDoesNotDecodeOrHasTheWrongKeyIsDeadLetteredAndTheFeedGoesOn() throws Exception {
        Path dir = Path.of(EdgeTestConfig.freshStoreDir());
        String id = SessionIds.newId();
        Instant createdAt = Instant.parse("2032-06-01T00:00:00Z");
        try (RawRecords raw = new RawRecords(broker.bootstrapServers())) {
            RecordMetadata garbage = raw.write(Topics.SESSIONS, id, "{\"id\": [not json");
            RecordMetadata wrongKey = raw.write(Topics.SESSIONS, id, Serdes.SESSION.serialize(Topics.SESSIONS,
                    SessionStoreTest.summary(SessionIds.newId(), "feed-owner", createdAt, Status.STREAMING)));
            write(id, SessionStoreTest.summary(id, "feed-owner", createdAt, Status.COMPLETED));
            try (SessionStore store = SessionStore.open(dir, 1 << 20);
                    SessionStoreFeed feed = SessionStoreFeed.start(config(), store, new ReaderFaults(broker.clientConfig(), meters))) {
                assertThat(feed.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(store.get(id)).map(SessionSummary::status).hasValue(Status.COMPLETED);
                assertThat(raw.awaitDeadLetter(garbage, Duration.ofSeconds(20)).reason()).startsWith("not-json: ");
                assertThat(raw.awaitDeadLetter(wrongKey, Duration.ofSeconds(20)).reason()).startsWith("wrong-key: ");
                assertThat(meters.get("rewind.edge.records.undecodable").tag("topic", Topics.SESSIONS).counter().count())
                        .isGreaterThanOrEqualTo(2);
            }
        }
    }

    private static void write(String id, SessionSummary summary) throws Exception {
        producer.send(new ProducerRecord<>(Topics.SESSIONS, id,
                summary == null ? null : Serdes.SESSION.serialize(Topics.SESSIONS, summary))).get(20, TimeUnit.SECONDS);
    }

    private static Map<String, Object> config() {
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.putAll(SessionStoreFeed.consumerDefaults());
        return config;
    }

    private static Map<Integer, Long> endOffsets() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(broker.clientConfig(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.SESSIONS).stream()
                    .map(p -> new TopicPartition(Topics.SESSIONS, p.partition())).toList();
            Map<Integer, Long> ends = new HashMap<>();
            consumer.endOffsets(partitions).forEach((tp, end) -> ends.put(tp.partition(), end));
            return ends;
        }
    }
}
