package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A runaway generation ends with error{code: limit}: too many bytes, or too long, and is not retried. */
@WithKafka
class SessionLimitsTest {

    private static UpstreamFixture fixture;
    private static IngestService ingest;

    @BeforeAll
    static void start(KafkaBroker broker) {
        fixture = UpstreamFixture.start(broker);
        ingest = IngestService.start(TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: ingest-limits-test
                max_response_bytes: 4096
                max_session_duration_ms: 2000
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """.formatted(broker.bootstrapServers(), fixture.sim().baseUrl())), Map.of());
    }

    @AfterAll
    static void stop() {
        ingest.close();
        fixture.close();
    }

    @Test
    void aResponseOverTheByteLimitEndsWithALimitError() {
        String id = fixture.requests().start("sim", "sim-small@length=2000", "limits ");
        List<ChunkRecord> records = fixture.chunks().awaitSessionEnd(id, Duration.ofSeconds(30));
        assertLimit(records, "response exceeded 4096 bytes");
        long bytes = records.stream().filter(ChunkRecord.Chunk.class::isInstance)
                .mapToLong(c -> ((ChunkRecord.Chunk) c).bytes().length).sum();
        assertThat(bytes).isGreaterThan(4096).isLessThan(4096 + 8192 + 1); // stopped within one read of the limit
    }

    @Test
    void aSessionOverItsDurationEndsWithALimitError() {
        String id = fixture.requests().start("sim", "sim-small@stall-after=2", "limits ");
        assertLimit(fixture.chunks().awaitSessionEnd(id, Duration.ofSeconds(30)), "session exceeded 2000 ms");
    }

    private static void assertLimit(List<ChunkRecord> records, String reason) {
        ChunkRecord.SessionEnded end = (ChunkRecord.SessionEnded) records.getLast();
        assertThat(end.outcome()).isEqualTo(SessionOutcome.FAILED);
        assertThat(end.code()).isEqualTo("limit");
        assertThat(end.retryable()).isFalse();
        assertThat(end.reason()).isEqualTo(reason);
        assertThat(records.stream().filter(ChunkRecord.AttemptStarted.class::isInstance)).as("not retried").hasSize(1);
    }
}
