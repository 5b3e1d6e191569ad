package dev.rewind.ingest;

import static dev.rewind.ingest.IngestRig.ended;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.CapturedLogs;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code when_open: wait}: an open breaker is waited out without spending the session's attempts. */
@WithKafka
class BreakerWaitTest {

    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static IngestRig rig;
    private static CapturedLogs logs;

    @BeforeAll
    static void start(KafkaBroker broker) {
        logs = CapturedLogs.capture();
        // two attempts per session, each breaker wait ≤ 100 ms: spending an attempt per wait, a session
        // would be refused twice within the 1.5 s the breaker stays open
        rig = IngestRig.start(broker, """
                kafka: {bootstrap_servers: "%1$s"}
                topics: {partitions: 3}
                group_id: ingest-breaker-wait-test
                retry: {max_attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 100, total_budget_ms: 20000}
                circuit_breaker: {window: 2, minimum_calls: 2, failure_rate_percent: 50, open_ms: 1500, half_open_calls: 1,
                                  when_open: wait}
                upstreams:
                  waiting: {format: openai-chat, base_url: "%2$s/v1"}
                """);
    }

    @AfterAll
    static void stop() {
        rig.close();
        logs.close();
    }

    @Test
    void aSessionWaitsForTheOpenBreakerAndRunsAsItsFirstAttempt() {
        String failing = rig.requests.start("waiting", "sim-small@status=503", "failing");
        assertThat(ended(rig.chunks.awaitSessionEnd(failing, WITHIN)).code()).isEqualTo("upstream_overloaded");

        String patient = rig.requests.start("waiting", "sim-small", "patient");
        List<ChunkRecord> records = rig.chunks.awaitSessionEnd(patient, WITHIN);

        assertThat(logs.lines()).as("the breaker was open when the session came")
                .anyMatch(line -> line.contains(patient) && line.contains("is open; waiting for it"));
        assertThat(ended(records).outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(records).filteredOn(ChunkRecord.AttemptStarted.class::isInstance)
                .singleElement().extracting(r -> ((ChunkRecord.AttemptStarted) r).attempt()).isEqualTo(1);
        assertThat(records).noneMatch(r -> r instanceof ChunkRecord.RetryScheduled || r instanceof ChunkRecord.AttemptEnded ended
                && ended.attempt() != 1);
    }

    @Test
    void aCancelEndsTheWait() {
        String failing = rig.requests.start("waiting", "sim-small@status=503", "failing again");
        rig.chunks.awaitSessionEnd(failing, WITHIN);
        String patient = rig.requests.start("waiting", "sim-small", "cancelled while waiting");
        org.awaitility.Awaitility.await().atMost(WITHIN)
                .until(() -> logs.lines().stream().anyMatch(line -> line.contains(patient) && line.contains("waiting for it")));
        rig.requests.cancel(patient);

        ChunkRecord.SessionEnded end = ended(rig.chunks.awaitSessionEnd(patient, WITHIN));
        assertThat(end.outcome()).isEqualTo(SessionOutcome.CANCELLED);
        assertThat(rig.chunks.records(patient)).noneMatch(ChunkRecord.AttemptStarted.class::isInstance);
    }
}
