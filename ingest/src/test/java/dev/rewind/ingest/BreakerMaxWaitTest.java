package dev.rewind.ingest;

import static dev.rewind.ingest.IngestRig.ended;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code max_wait_ms}: a session does not wait out a long-open breaker for its whole retry budget,
 * holding a stream slot the sessions of healthy upstreams need.
 */
@WithKafka
class BreakerMaxWaitTest {

    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static IngestRig rig;

    @BeforeAll
    static void start(KafkaBroker broker) {
        rig = IngestRig.start(broker, """
                kafka: {bootstrap_servers: "%1$s"}
                topics: {partitions: 3}
                group_id: ingest-breaker-max-wait-test
                retry: {max_attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 100, total_budget_ms: 120000}
                circuit_breaker: {window: 2, minimum_calls: 2, failure_rate_percent: 50, open_ms: 600000, half_open_calls: 1,
                                  when_open: wait, max_wait_ms: 500}
                upstreams:
                  broken: {format: openai-chat, base_url: "%2$s/v1"}
                """);
    }

    @AfterAll
    static void stop() {
        rig.close();
    }

    @Test
    void aSessionBehindABreakerOpenLongerThanMaxWaitEndsWithCircuitOpen() {
        String failing = rig.requests.start("broken", "sim-small@status=503", "failing");
        assertThat(ended(rig.chunks.awaitSessionEnd(failing, WITHIN)).code()).isEqualTo("upstream_overloaded");

        String refused = rig.requests.start("broken", "sim-small", "refused after its wait");
        List<ChunkRecord> records = rig.chunks.awaitSessionEnd(refused, WITHIN);
        assertThat(ended(records).code()).isEqualTo("upstream_circuit_open");
        assertThat(records).noneMatch(ChunkRecord.AttemptStarted.class::isInstance);
    }
}
