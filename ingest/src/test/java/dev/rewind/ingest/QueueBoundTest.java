package dev.rewind.ingest;

import static dev.rewind.ingest.IngestRig.ended;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The worker's queue holds at most {@code queue.max_sessions} waiting sessions, also when one poll returns more. */
@WithKafka
class QueueBoundTest {

    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final int MAX_QUEUED = 2;

    @Test
    void aPollThatReturnsMoreThanTheQueueHoldsQueuesOnlyWhatFits(KafkaBroker broker) {
        try (UpstreamFixture fixture = UpstreamFixture.start(broker)) {
            // written before the worker starts, so that its first poll returns all of them at once
            List<String> sessions = IntStream.range(0, 8)
                    .mapToObj(i -> fixture.requests().start("sim", "sim-small@length=5,tps=20", "bounded " + i)).toList();
            IngestConfig config = TestSetup.ingestConfig("""
                    kafka: {bootstrap_servers: "%s"}
                    topics: {partitions: 1}
                    group_id: ingest-queue-bound-test
                    max_concurrent_streams: 1
                    queue: {max_sessions: %d, max_bytes: 1048576, status_interval_ms: 100}
                    upstreams: {sim: {format: openai-chat, base_url: "%s/v1"}}
                    """.formatted(broker.bootstrapServers(), MAX_QUEUED, fixture.sim().baseUrl()));
            try (IngestService ingest = IngestService.start(config, Map.of())) {
                for (String session : sessions) {
                    List<ChunkRecord> records = fixture.chunks().awaitSessionEnd(session, WITHIN);
                    assertThat(ended(records).outcome()).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED);
                    assertThat(records).filteredOn(ChunkRecord.SessionQueued.class::isInstance)
                            .extracting(r -> ((ChunkRecord.SessionQueued) r).position())
                            .as("queue positions of " + session).allSatisfy(p -> assertThat(p).isBetween(1, MAX_QUEUED));
                }
            }
        }
    }
}
