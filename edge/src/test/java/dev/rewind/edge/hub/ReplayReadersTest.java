package dev.rewind.edge.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The edge's replay-reader pool against a real broker: timed metadata calls, no reuse after a failure, no leak on close, a bounded wait. */
@WithKafka
class ReplayReadersTest {

    private static final int PARTITIONS = 3;
    private static final TopicPartition MISSING = new TopicPartition(Topics.TOKENS, 99);
    private static KafkaBroker broker;

    @BeforeAll
    static void topics(KafkaBroker kafka) {
        broker = kafka;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
    }

    private static ReplayReaders pool(SimpleMeterRegistry meters) {
        EdgeConfig config = EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS,
                "replay: {readers: 1, acquire_timeout_ms: 5000, metadata_timeout_ms: 300}");
        return ReplayReaders.forStreams(config, meters);
    }

    @Test
    void aMetadataCallGivesUpWithinItsTimeoutAndItsReaderIsNeverReused() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ReplayReaders readers = pool(meters)) {
            long started = System.nanoTime();
            try (ReplayReaders.Reader reader = readers.acquire()) {
                assertThatThrownBy(() -> reader.bounds(MISSING)).isInstanceOf(KafkaException.class);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(meters.counter("rewind.edge.replay.discarded").count()).isEqualTo(1);
            assertThat(readers.idleCount()).isZero();

            try (ReplayReaders.Reader reader = readers.acquire()) {
                assertThat(reader.bounds(new TopicPartition(Topics.TOKENS, 0)).beginning()).isGreaterThanOrEqualTo(0);
            }
            assertThat(readers.created()).as("the failed reader was replaced, not handed out again").isEqualTo(2);
            assertThat(readers.idleCount()).isEqualTo(1);
        }
    }

    @Test
    void aReaderGivenBackAfterThePoolClosedIsClosedNotLeaked() throws Exception {
        ReplayReaders readers = pool(new SimpleMeterRegistry());
        ReplayReaders.Reader reader = readers.acquire();
        reader.bounds(new TopicPartition(Topics.TOKENS, 0));
        readers.close();
        reader.close();
        assertThat(readers.idleCount()).isZero();
        assertThatThrownBy(readers::acquire).isInstanceOf(ReplayReaders.BusyException.class);
    }

    @Test
    void aBorrowerWaitsForABusyReaderInsteadOfBeingRefused() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ReplayReaders readers = pool(meters)) {
            ReplayReaders.Reader held = readers.acquire();
            CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
                try (ReplayReaders.Reader reader = readers.acquire()) {
                    return reader.bounds(new TopicPartition(Topics.TOKENS, 1)).end();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(waiter).isNotDone();
            held.close();
            assertThat(waiter.get(20, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(0);
            assertThat(meters.counter("rewind.edge.replay.refused").count()).isZero();
        }
    }
}
