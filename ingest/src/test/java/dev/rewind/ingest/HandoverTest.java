package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.sim.LlmSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A second worker joins the group while sessions stream: the partitions that move take their
 * running sessions along — the first worker stops them and writes their attempts' ends, the new
 * owner runs the next attempt — so no session streams from two workers at once, and each ends once.
 */
@WithKafka
class HandoverTest {

    private static final String GROUP = "ingest-handover-test";
    private static final int PARTITIONS = 3;
    /** 120 tokens at 20 per second: six seconds, long enough for a rebalance in the middle. */
    private static final String MODEL = "sim-small@length=120,tps=20";
    private static UpstreamFixture fixture;
    private static LlmSimulator sim;
    private static RequestWriter requests;
    private static ChunkTopicReader chunks;

    @BeforeAll
    static void start(KafkaBroker broker) {
        fixture = UpstreamFixture.start(broker);
        sim = fixture.sim();
        requests = fixture.requests();
        chunks = fixture.chunks();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void sessionsOfMovedPartitionsAreHandedOverAndNeverStreamTwiceAtOnce(KafkaBroker broker) {
        // two sessions in every partition, so whichever partition moves takes sessions with it
        List<String> sessions = new ArrayList<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            for (int n = 0; n < 2; n++) {
                String id;
                do {
                    id = SessionIds.newId();
                } while (SessionPartitioner.partitionFor(id, PARTITIONS) != partition);
                sessions.add(id);
            }
        }
        try (IngestService first = IngestService.start(config(broker.bootstrapServers()), Map.of())) {
            sessions.forEach(id -> requests.start(id, "sim", MODEL, "handover " + id));
            sessions.forEach(id -> chunks.awaitFirst(id, ChunkRecord.Chunk.class, Duration.ofSeconds(30)));
            try (IngestService second = IngestService.start(config(broker.bootstrapServers()), Map.of())) {
                sessions.forEach(id -> chunks.awaitSessionEnd(id, Duration.ofSeconds(60)));
            }
        }

        int handedOver = 0;
        for (String id : sessions) {
            List<ChunkRecord> records = chunks.records(id);
            assertThat(records.stream().filter(ChunkRecord.SessionEnded.class::isInstance)).as(id).hasSize(1);
            assertThat(((ChunkRecord.SessionEnded) records.getLast()).outcome()).isEqualTo(SessionOutcome.COMPLETED);
            // attempts follow each other: nothing of attempt n after attempt n+1 started
            int current = 0;
            for (ChunkRecord record : records) {
                if (record instanceof ChunkRecord.AttemptStarted started) {
                    assertThat(started.attempt()).as(id).isEqualTo(current + 1);
                    current = started.attempt();
                } else if (!(record instanceof ChunkRecord.SessionEnded)) {
                    assertThat(record.attempt()).as("%s: %s", id, record).isEqualTo(current);
                }
            }
            List<ChunkRecord.AttemptEnded> ends = records.stream().filter(ChunkRecord.AttemptEnded.class::isInstance)
                    .map(ChunkRecord.AttemptEnded.class::cast).toList();
            assertThat(ends).as(id).hasSize(current);
            if (current > 1) {
                handedOver++;
                assertThat(ends.getFirst().reason()).isEqualTo("handed over to another ingest worker");
                assertThat(ends.getFirst().willRetry()).isTrue();
            }
            // one upstream call per attempt: the first worker's call was stopped, not left running
            assertThat(sim.recentRequests().stream().filter(r -> r.body() != null
                    && r.body().at("/messages/0/content").asText().equals("handover " + id))).as(id).hasSize(current);
        }
        assertThat(handedOver).as("sessions of the moved partition(s)").isBetween(2, 4);
    }

    private static IngestConfig config(String bootstrap) {
        return TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: %d}
                group_id: %s
                upstreams: {sim: {format: openai-chat, base_url: "%s/v1"}}
                """.formatted(bootstrap, PARTITIONS, GROUP, sim.baseUrl()));
    }
}
