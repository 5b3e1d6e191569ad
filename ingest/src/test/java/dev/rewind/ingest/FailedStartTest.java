package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/** A start that fails half-way closes what it had opened: no producer, consumer or HTTP client is left running. */
@WithKafka
class FailedStartTest {

    @Test
    void aStartThatFailsAfterItsProducersWereOpenedClosesThemAgain(KafkaBroker broker) {
        broker.ensureRewindTopics();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        // producers ignore a consumer setting; the request consumer refuses the bad value, after both producers opened
        IngestConfig config = TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s", properties: {auto.offset.reset: sideways}}
                topics: {partitions: 3}
                group_id: ingest-failed-start-test
                upstreams: {sim: {format: openai-chat, base_url: "http://127.0.0.1:9/v1"}}
                """.formatted(broker.bootstrapServers()));

        assertThatThrownBy(() -> IngestService.start(config, Map.of())).isInstanceOf(KafkaException.class)
                .hasMessageContaining("auto.offset.reset");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(clientThreadsBut(before))
                .as("client threads left by the failed start").isEmpty());
    }

    private static List<String> clientThreadsBut(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(name -> name.startsWith("kafka-producer-network-thread") || name.contains("SelectorManager")
                        || name.startsWith("ingest-"))
                .toList();
    }
}
