package dev.rewind.edge.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.SessionIds;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The hub's readiness probe asks Kafka from its own thread, never from the one that dispatches live events. */
@WithKafka
class TokenHubProbeTest {

    private static final int PARTITIONS = 3;

    @Test
    void theEndOffsetProbeRunsOnItsOwnThreadAndMeasuresWhatDispatchHasNotReached(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        EdgeConfig config = EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (TokenHub hub = new TokenHub(config.hub(), config.sse().pollMs(),
                config.kafka().clientConfig(TokenHub.consumerDefaults()), PARTITIONS, meters, ReaderFaults.of(config, meters))
                        .start(Duration.ofSeconds(30));
                TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.conversation(SessionIds.newId(), "probe", "d");
            await().atMost(Duration.ofSeconds(20)).until(() -> hub.readiness().ready()
                    && meters.get("rewind.edge.hub.lag").gauge().value() == 0);
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("rewind-edge-hub", "rewind-edge-hub-probe");
        }
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("rewind-edge-hub-probe");
    }
}
