package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.kafkatest.CapturedLogs;
import dev.rewind.kafkatest.RestartableTestBroker;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.Topics;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimulatedCompletion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka goes away mid-stream (the broker is shut down, then started again on the same port with
 * its data): ingest stops the upstream call instead of reading bytes it cannot keep, records the
 * failed attempt once Kafka is back, and retries; the final attempt's bytes are complete, once each.
 */
class KafkaOutageTest {

    /** 1,500 tokens at 100 per second: a fifteen-second answer, long enough to pull Kafka away in the middle. */
    private static final String MODEL = "sim-small@length=1500,tps=100";
    private static final Duration ANSWER = Duration.ofSeconds(15);
    private static RestartableTestBroker broker;
    private static LlmSimulator sim;
    private static IngestService ingest;
    private static ChunkTopicReader chunks;
    private static CapturedLogs logs;

    @BeforeAll
    static void start() {
        logs = CapturedLogs.capture();
        broker = RestartableTestBroker.start();
        // a fresh broker may not describe topics it has just created (TopicProvisioner is fixed for that elsewhere)
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> broker.ensureRewindTopics() != null);
        sim = TestSetup.fastSimulator();
        ingest = IngestService.start(TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: ingest-outage-test
                producer_delivery_timeout_ms: 2000
                retry: {max_attempts: 3, initial_backoff_ms: 100, max_backoff_ms: 200, total_budget_ms: 120000}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """.formatted(broker.bootstrapServers(), sim.baseUrl())), Map.of());
        chunks = new ChunkTopicReader(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable running : new AutoCloseable[] {chunks, ingest, sim, broker, logs}) {
            if (running != null) {
                running.close();
            }
        }
    }

    @Test
    void stopsReadingWhileKafkaIsAwayAndRetriesWhenItIsBackWithoutLosingOrRepeatingAChunk() {
        String id = SessionIds.newId();
        RequestRecord.Start start = new RequestRecord.Start(id, "test-owner", "sim", ProviderFormat.OPENAI_CHAT, MODEL,
                List.of(RequestRecord.ChatMessage.text("user", "outage " + id)), Json.MAPPER.createObjectNode(),
                Instant.now(), null);
        try (KafkaProducer<String, RequestRecord> requests = new KafkaProducer<>(
                Map.of("bootstrap.servers", broker.bootstrapServers()), new StringSerializer(), Serdes.REQUEST)) {
            requests.send(new ProducerRecord<>(Topics.REQUESTS, id, start));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            chunks.pollOnce();
            return chunks.records(id).stream().filter(ChunkRecord.Chunk.class::isInstance).count() >= 5;
        });

        broker.stop();
        Instant stoppedAt = Instant.now();
        // ingest notices (a chunk is refused after the delivery timeout) and stops the upstream call ...
        await().atMost(Duration.ofSeconds(30)).until(() -> logs.lines().stream()
                .anyMatch(line -> line.contains(id) && line.contains("Kafka refused a chunk")));
        // ... and does not call upstream again while Kafka is away, whatever the backoff says
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> requestsFor(id) == 1);
        broker.restart();

        List<ChunkRecord> records = chunks.awaitSessionEnd(id, Duration.ofSeconds(60));
        assertThat(records.stream().filter(ChunkRecord.SessionEnded.class::isInstance)).hasSize(1);
        ChunkRecord.SessionEnded end = (ChunkRecord.SessionEnded) records.getLast();
        assertThat(end.outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(end.attempt()).isEqualTo(2);

        ChunkRecord.AttemptEnded first = records.stream().filter(ChunkRecord.AttemptEnded.class::isInstance)
                .map(ChunkRecord.AttemptEnded.class::cast).findFirst().orElseThrow();
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(first.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(first.willRetry()).isTrue();
        assertThat(first.reason()).contains("Kafka");
        // the attempt was ended while Kafka was away, before the upstream's answer was over: the call was stopped
        ChunkRecord.AttemptStarted firstStart = (ChunkRecord.AttemptStarted) records.getFirst();
        assertThat(first.at()).isAfter(stoppedAt).isBefore(firstStart.at().plus(ANSWER));
        assertThat(records.stream().filter(ChunkRecord.AttemptEnded.class::isInstance)).hasSize(2);
        assertThat(records.stream().filter(ChunkRecord.AttemptStarted.class::isInstance).map(ChunkRecord::attempt))
                .containsExactly(1, 2);

        // every attempt's chunks that Kafka kept are a gapless run from seq 1, and the last attempt is whole
        for (int attempt : new int[] {1, 2}) {
            List<Long> seqs = chunksOf(records, attempt).stream().map(ChunkRecord.Chunk::seq).toList();
            assertThat(seqs).as("attempt %d", attempt)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
        }
        String firstBytes = joined(chunksOf(records, 1));
        assertThat(firstBytes).doesNotContain("data: [DONE]");
        String last = joined(chunksOf(records, 2));
        JsonNode sent = sim.recentRequests().stream().filter(r -> r.body() != null
                && r.body().at("/messages/0/content").asText().equals("outage " + id)).findFirst().orElseThrow().body();
        assertThat(contentOf(last)).isEqualTo(SimulatedCompletion.plan(sent).text());
        assertThat(last).endsWith("data: [DONE]\n\n");
        assertThat(requestsFor(id)).isEqualTo(2);
    }

    private static long requestsFor(String id) {
        return sim.recentRequests().stream().filter(r -> r.body() != null
                && r.body().at("/messages/0/content").asText().equals("outage " + id)).count();
    }

    private static List<ChunkRecord.Chunk> chunksOf(List<ChunkRecord> records, int attempt) {
        return records.stream().filter(ChunkRecord.Chunk.class::isInstance).map(ChunkRecord.Chunk.class::cast)
                .filter(c -> c.attempt() == attempt).toList();
    }

    private static String joined(List<ChunkRecord.Chunk> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(c -> out.writeBytes(c.bytes()));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String contentOf(String stream) {
        StringBuilder text = new StringBuilder();
        for (String line : stream.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode content = Json.fromString(line.substring(6), JsonNode.class).at("/choices/0/delta/content");
                if (content.isTextual()) {
                    text.append(content.asText());
                }
            }
        }
        return text.toString();
    }
}
