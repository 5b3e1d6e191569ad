package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.CapturedLogs;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.sim.LlmSimulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code when_open: wait}: an open breaker is waited out without spending the session's attempts. */
@WithKafka
class BreakerWaitTest {

    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static LlmSimulator sim;
    private static IngestService ingest;
    private static RequestWriter requests;
    private static ChunkTopicReader chunks;
    private static CapturedLogs logs;

    @BeforeAll
    static void start(KafkaBroker broker) {
        broker.ensureRewindTopics();
        logs = CapturedLogs.capture();
        sim = TestSetup.fastSimulator();
        // two attempts per session, each breaker wait ≤ 100 ms: spending an attempt per wait, a session
        // would be refused twice within the 1.5 s the breaker stays open
        ingest = IngestService.start(TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: ingest-breaker-wait-test
                retry: {max_attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 100, total_budget_ms: 20000}
                circuit_breaker: {window: 2, minimum_calls: 2, failure_rate_percent: 50, open_ms: 1500, half_open_calls: 1,
                                  when_open: wait}
                upstreams:
                  waiting: {format: openai-chat, base_url: "%s/v1"}
                """.formatted(broker.bootstrapServers(), sim.baseUrl())), Map.of());
        requests = new RequestWriter(broker.bootstrapServers());
        chunks = new ChunkTopicReader(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        chunks.close();
        requests.close();
        ingest.close();
        sim.close();
        logs.close();
    }

    @Test
    void aSessionWaitsForTheOpenBreakerAndRunsAsItsFirstAttempt() {
        String failing = requests.start("waiting", "sim-small@status=503", "failing");
        assertThat(ended(chunks.awaitSessionEnd(failing, WITHIN)).code()).isEqualTo("upstream_overloaded");

        String patient = requests.start("waiting", "sim-small", "patient");
        List<ChunkRecord> records = chunks.awaitSessionEnd(patient, WITHIN);

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
        String failing = requests.start("waiting", "sim-small@status=503", "failing again");
        chunks.awaitSessionEnd(failing, WITHIN);
        String patient = requests.start("waiting", "sim-small", "cancelled while waiting");
        org.awaitility.Awaitility.await().atMost(WITHIN)
                .until(() -> logs.lines().stream().anyMatch(line -> line.contains(patient) && line.contains("waiting for it")));
        requests.cancel(patient);

        ChunkRecord.SessionEnded end = ended(chunks.awaitSessionEnd(patient, WITHIN));
        assertThat(end.outcome()).isEqualTo(SessionOutcome.CANCELLED);
        assertThat(chunks.records(patient)).noneMatch(ChunkRecord.AttemptStarted.class::isInstance);
    }

    private static ChunkRecord.SessionEnded ended(List<ChunkRecord> records) {
        return (ChunkRecord.SessionEnded) records.getLast();
    }
}
