package dev.rewind.ingest;

import static dev.rewind.ingest.IngestRig.ended;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-upstream circuit breaker: opens on a run of failures, fails fast while open, closes again. */
@WithKafka
class CircuitBreakerTest {

    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static IngestRig rig;

    @BeforeAll
    static void start(KafkaBroker broker) {
        rig = IngestRig.start(broker, """
                kafka: {bootstrap_servers: "%1$s"}
                topics: {partitions: 3}
                group_id: ingest-breaker-test
                retry: {max_attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 100, total_budget_ms: 20000}
                circuit_breaker: {window: 4, minimum_calls: 2, failure_rate_percent: 60, open_ms: 1500, half_open_calls: 1,
                                  when_open: fail}
                upstreams:
                  flaky: {format: openai-chat, base_url: "%2$s/v1"}
                  busy: {format: openai-chat, base_url: "%2$s/v1"}
                """);
    }

    @AfterAll
    static void stop() {
        rig.close();
    }

    @Test
    void opensOnARunOfFailuresFailsFastWhileOpenAndClosesAfterwards() {
        String failing = start("sim-small@status=503");
        assertThat(ended(rig.chunks.awaitSessionEnd(failing, WITHIN)).code()).isEqualTo("upstream_overloaded");

        String whileOpen = start("sim-small");
        ChunkRecord.SessionEnded refused = ended(rig.chunks.awaitSessionEnd(whileOpen, WITHIN));
        assertThat(refused.code()).isEqualTo("upstream_circuit_open");
        assertThat(refused.retryable()).isTrue();
        assertThat(rig.chunks.records(whileOpen)).noneMatch(ChunkRecord.AttemptStarted.class::isInstance);

        // after open_ms the breaker lets a probe through, and a healthy answer closes it
        org.awaitility.Awaitility.await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).until(() -> {
            String probe = start("sim-small");
            return ended(rig.chunks.awaitSessionEnd(probe, WITHIN)).outcome() == SessionOutcome.COMPLETED;
        });
        assertThat(ended(rig.chunks.awaitSessionEnd(start("sim-small"), WITHIN)).outcome()).isEqualTo(SessionOutcome.COMPLETED);
    }

    @Test
    void aStreamCountsAsASuccessWhenItIsAnsweredNotWhenItEnds() {
        // two streams answered, then a session failing both its attempts: 2 of 4 calls failed, below
        // the 60 % threshold; counted at their end, the streams would still be pending and the window
        // would hold only the two failures
        List<String> streaming = List.of(
                rig.requests.start("busy", "sim-small@tps=2,length=60", "long 1"),
                rig.requests.start("busy", "sim-small@tps=2,length=60", "long 2"));
        streaming.forEach(id -> rig.chunks.awaitFirst(id, ChunkRecord.AttemptStarted.class, WITHIN));
        String failing = rig.requests.start("busy", "sim-small@status=503", "failing");
        assertThat(ended(rig.chunks.awaitSessionEnd(failing, WITHIN)).code()).isEqualTo("upstream_overloaded");

        String next = rig.requests.start("busy", "sim-small", "next");
        assertThat(ended(rig.chunks.awaitSessionEnd(next, WITHIN)).outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(streaming).as("the streams were still running")
                .allSatisfy(id -> assertThat(rig.chunks.records(id)).noneMatch(ChunkRecord.SessionEnded.class::isInstance));
    }

    private static String start(String model) {
        return rig.requests.start("flaky", model, "breaker ");
    }
}
