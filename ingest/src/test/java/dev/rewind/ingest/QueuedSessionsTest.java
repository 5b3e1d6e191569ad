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

/** Sessions beyond {@code max_concurrent_streams} wait in the worker's queue and say so, in order, until a slot frees. */
@WithKafka
class QueuedSessionsTest {

    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static IngestRig rig;

    @BeforeAll
    static void start(KafkaBroker broker) {
        rig = IngestRig.start(broker, """
                kafka: {bootstrap_servers: "%1$s"}
                topics: {partitions: 1}
                group_id: ingest-queued-sessions-test
                max_concurrent_streams: 1
                queue: {max_sessions: 100, max_bytes: 1048576, status_interval_ms: 300}
                upstreams:
                  sim: {format: openai-chat, base_url: "%2$s/v1"}
                """);
    }

    @AfterAll
    static void stop() {
        rig.close();
    }

    @Test
    void sessionsWaitingForASlotAreToldTheirPositionAndAllComplete() {
        // each holds the only slot for about a second; which starts first depends on their partitions
        List<String> sessions = List.of(
                rig.requests.start("sim", "sim-small@length=10,tps=10", "first"),
                rig.requests.start("sim", "sim-small@length=10,tps=10", "second"),
                rig.requests.start("sim", "sim-small@length=10,tps=10", "third"));

        int queuedSessions = 0;
        for (String session : sessions) {
            List<ChunkRecord> records = rig.chunks.awaitSessionEnd(session, WITHIN);
            assertThat(ended(records).outcome()).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED);
            List<ChunkRecord.SessionQueued> queued = records.stream()
                    .filter(ChunkRecord.SessionQueued.class::isInstance).map(ChunkRecord.SessionQueued.class::cast).toList();
            if (queued.isEmpty()) {
                continue;
            }
            queuedSessions++;
            assertThat(queued).as("repeated every status_interval_ms while it waits about a second").hasSizeGreaterThan(1);
            assertThat(queued).allSatisfy(q -> {
                assertThat(q.attempt()).as("the attempt that will start").isEqualTo(1);
                assertThat(q.running()).isEqualTo(1);
                assertThat(q.position()).isPositive();
            });
            // other test classes' requests on the shared broker may be ahead: positions only fall
            assertThat(queued).extracting(ChunkRecord.SessionQueued::position).isSortedAccordingTo(java.util.Comparator.reverseOrder());
            int lastQueued = records.indexOf(queued.getLast());
            assertThat(records.subList(0, lastQueued)).noneMatch(ChunkRecord.AttemptStarted.class::isInstance);
            assertThat(records).filteredOn(ChunkRecord.AttemptStarted.class::isInstance).singleElement()
                    .extracting(ChunkRecord::attempt).isEqualTo(1);
        }
        assertThat(queuedSessions).as("one slot: at least two of three sessions waited").isGreaterThanOrEqualTo(2);
    }
}
