package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.CapturedLogs;
import dev.rewind.kafkatest.EmbeddedTestBroker;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A write Kafka refuses for good (here: records over the topic's {@code max.message.bytes}) is not
 * waited out: the session ends at once with {@code ingest_error}, and the log names the cause.
 * Its own broker, since the test shrinks a topic's limit.
 */
class ChunkWriteRefusedTest {

    private static final int MAX_MESSAGE_BYTES = 1024;
    private static EmbeddedTestBroker broker;
    private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();
    private static IngestRig rig;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedTestBroker.start();
        broker.ensureRewindTopics();
        setMaxMessageBytes(MAX_MESSAGE_BYTES);
        rig = IngestRig.start(broker, """
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: ingest-refused-test
                retry: {max_attempts: 5, initial_backoff_ms: 100, max_backoff_ms: 200, total_budget_ms: 60000}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """, UnaryOperator.identity(), METERS);
    }

    @AfterAll
    static void stop() throws Exception {
        rig.close();
        broker.close();
    }

    /**
     * Kafka refuses the session's chunks and then its end too (the topic's limit shrinks below every
     * record mid-stream): the session ends without its end in Kafka, and its partition stays here.
     * Before, nobody ran it again until a rebalance, and its request held the partition's commits back;
     * now the worker runs it again after a pause, and once Kafka takes records it ends.
     */
    @Test
    void aSessionWhoseEndKafkaRefusedRunsAgainUntilItsEndIsInKafka() throws Exception {
        String id = rig.requests.start("sim", "sim-small@length=40,tps=10", "refused end ");
        rig.chunks.awaitFirst(id, ChunkRecord.Chunk.class, Duration.ofSeconds(20));
        double refusedBefore = refusals();
        setMaxMessageBytes(64);
        try {
            // a chunk, then the attempt's end, refused
            await().atMost(Duration.ofSeconds(20)).until(() -> refusals() >= refusedBefore + 2);
        } finally {
            setMaxMessageBytes(MAX_MESSAGE_BYTES);
        }

        List<ChunkRecord> records = rig.chunks.awaitSessionEnd(id, Duration.ofSeconds(40));
        ChunkRecord.SessionEnded ended = IngestRig.ended(records);
        assertThat(ended.outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(ended.attempt()).as("run again as a new attempt").isGreaterThanOrEqualTo(2);
        assertThat(records).filteredOn(ChunkRecord.SessionEnded.class::isInstance).hasSize(1);
    }

    private static double refusals() {
        return METERS.find("rewind.ingest.chunk_writes.failed").tag("cause", "RecordTooLargeException").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static void setMaxMessageBytes(int bytes) throws Exception {
        ConfigResource chunks = new ConfigResource(ConfigResource.Type.TOPIC, Topics.CHUNKS);
        broker.admin().incrementalAlterConfigs(Map.of(chunks, List.of(new AlterConfigOp(
                new ConfigEntry("max.message.bytes", Integer.toString(bytes)), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRecordOverTheTopicsSizeLimitEndsTheSessionWithIngestErrorNamingTheCause() {
        // a model name of random text (it does not compress) makes every record that carries it too large:
        // attempt_started and each chunk, whose stream echoes the model; the ends stay small
        byte[] noise = new byte[3 * MAX_MESSAGE_BYTES];
        new SecureRandom().nextBytes(noise);
        String model = "sim-" + Base64.getUrlEncoder().withoutPadding().encodeToString(noise).replace('-', 'x').replace('_', 'y');
        try (CapturedLogs logs = CapturedLogs.capture()) {
            String id = rig.requests.start("sim", model, "too large ");

            List<ChunkRecord> records = rig.chunks.awaitSessionEnd(id, Duration.ofSeconds(20));
            ChunkRecord.SessionEnded ended = IngestRig.ended(records);
            assertThat(ended.outcome()).isEqualTo(SessionOutcome.FAILED);
            assertThat(ended.code()).isEqualTo("ingest_error");
            assertThat(ended.reason()).contains("RecordTooLargeException");
            assertThat(records).noneMatch(ChunkRecord.RetryScheduled.class::isInstance); // asking again would meet the same refusal
            assertThat(logs.lines()).anyMatch(line -> line.contains(id) && line.contains("RecordTooLargeException"));
            assertThat(METERS.get("rewind.ingest.chunk_writes.failed").tag("cause", "RecordTooLargeException").counter().count())
                    .isGreaterThanOrEqualTo(1);
        }
    }
}
