package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.Topics;
import dev.rewind.sim.LlmSimulator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retries, Retry-After, capped waits, the circuit breaker, stalls and cancels, against a real broker and llm-sim faults. */
@WithKafka
class IngestResilienceTest {

    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static LlmSimulator sim;
    private static IngestService ingest;
    private static KafkaProducer<String, Object> producer;
    private static ChunkTopicReader chunks;

    @BeforeAll
    static void start(KafkaBroker broker) {
        broker.ensureRewindTopics();
        sim = TestSetup.fastSimulator();
        ingest = IngestService.start(TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: ingest-resilience-test
                max_concurrent_streams: 2
                stall_timeout_ms: 1500
                retry: {max_attempts: 3, initial_backoff_ms: 100, max_backoff_ms: 400, retry_after_ceiling_ms: 1500,
                        total_budget_ms: 20000}
                circuit_breaker: {window: 100, minimum_calls: 100}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """.formatted(broker.bootstrapServers(), sim.baseUrl())), Map.of());
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()), new StringSerializer(),
                (topic, value) -> topic.equals(Topics.CONTROL) ? Serdes.CONTROL.serialize(topic, (ControlRecord) value)
                        : Serdes.REQUEST.serialize(topic, (RequestRecord) value));
        chunks = new ChunkTopicReader(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        chunks.close();
        producer.close();
        ingest.close();
        sim.close();
    }

    @Test
    void retriesAnOverloadedUpstreamHonouringRetryAfterExactly() {
        String id = start("sim", "sim-small@status=503x2,retry-after=1");
        List<ChunkRecord> records = chunks.awaitSessionEnd(id, WITHIN);
        List<ChunkRecord.RetryScheduled> retries = of(records, ChunkRecord.RetryScheduled.class);
        assertThat(retries).extracting(ChunkRecord.RetryScheduled::delayMs).containsExactly(1000L, 1000L);
        assertThat(retries).extracting(ChunkRecord.RetryScheduled::upstreamStatus).containsExactly(503, 503);
        assertThat(of(records, ChunkRecord.AttemptStarted.class)).extracting(ChunkRecord.AttemptStarted::attempt,
                ChunkRecord.AttemptStarted::upstreamStatus).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, 503), org.assertj.core.groups.Tuple.tuple(2, 503),
                org.assertj.core.groups.Tuple.tuple(3, 200));
        assertThat(of(records, ChunkRecord.AttemptEnded.class)).extracting(ChunkRecord.AttemptEnded::willRetry)
                .containsExactly(true, true, false);
        assertThat(ended(records).outcome()).isEqualTo(SessionOutcome.COMPLETED);
    }

    @Test
    void honoursRetryAfterMsAndAnHttpDateAndCapsWaitsAtTheCeiling() {
        String ms = start("sim", "sim-small@status=429x1,retry-after-ms=700");
        // an HTTP date has whole seconds: 3 s ahead is 2-3 s ahead once truncated, capped at the 1.5 s
        // ceiling; 1 s ahead could already be past when it is read, which rightly waits 0 ms
        String date = start("sim", "sim-small@status=503x1,retry-after-date=3");
        String huge = start("sim", "sim-small@status=503x1,retry-after=120");
        assertThat(of(chunks.awaitSessionEnd(ms, WITHIN), ChunkRecord.RetryScheduled.class))
                .singleElement().satisfies(r -> assertThat(r.delayMs()).isEqualTo(700));
        assertThat(of(chunks.awaitSessionEnd(date, WITHIN), ChunkRecord.RetryScheduled.class))
                .singleElement().satisfies(r -> assertThat(r.delayMs()).as("above any backoff wait (<= 400 ms)")
                        .isBetween(500L, 1500L));
        assertThat(of(chunks.awaitSessionEnd(huge, WITHIN), ChunkRecord.RetryScheduled.class))
                .singleElement().satisfies(r -> assertThat(r.delayMs()).isEqualTo(1500));
    }

    @Test
    void backsOffWithCappedJitteredWaitsAndGivesUpAfterMaxAttempts() {
        String id = start("sim", "sim-small@status=500");
        List<ChunkRecord> records = chunks.awaitSessionEnd(id, WITHIN);
        assertThat(of(records, ChunkRecord.RetryScheduled.class)).hasSize(2)
                .allSatisfy(r -> assertThat(r.delayMs()).isBetween(1L, 400L));
        ChunkRecord.SessionEnded end = ended(records);
        assertThat(end.outcome()).isEqualTo(SessionOutcome.FAILED);
        assertThat(end.code()).isEqualTo("upstream_error");
        assertThat(end.retryable()).isTrue();
        assertThat(end.attempt()).isEqualTo(3);
    }

    @Test
    void aMidStreamDisconnectIsRetriedAsANewAttempt() {
        String id = start("sim", "sim-small@disconnect-after=4x1");
        List<ChunkRecord> records = chunks.awaitSessionEnd(id, WITHIN);
        assertThat(of(records, ChunkRecord.AttemptEnded.class)).first().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(e.willRetry()).isTrue();
        });
        assertThat(ended(records).outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(ended(records).attempt()).isEqualTo(2);
    }

    @Test
    void aStalledStreamEndsAsStalledAndIsRetried() {
        String id = start("sim", "sim-small@stall-after=3x1");
        List<ChunkRecord> records = chunks.awaitSessionEnd(id, WITHIN);
        assertThat(of(records, ChunkRecord.AttemptEnded.class)).first()
                .satisfies(e -> assertThat(e.outcome()).isEqualTo(AttemptOutcome.STALLED));
        assertThat(ended(records).outcome()).isEqualTo(SessionOutcome.COMPLETED);
    }

    @Test
    void anInBandErrorEndsTheAttemptAndTheRetryCompletes() {
        String id = start("sim", "sim-small@error-after=2x1");
        List<ChunkRecord> records = chunks.awaitSessionEnd(id, WITHIN);
        assertThat(of(records, ChunkRecord.AttemptEnded.class)).first()
                .satisfies(e -> assertThat(e.reason()).contains("error inside its stream"));
        assertThat(ended(records).outcome()).isEqualTo(SessionOutcome.COMPLETED);
    }

    @Test
    void aCancelStopsTheUpstreamCallWithinOneReadEvenWhenTheWorkerIsFull() {
        String busy = start("sim", "sim-small@stall-after=1x9");
        String stalled = start("sim", "sim-small@stall-after=1x9,split=random");
        chunks.awaitFirst(busy, ChunkRecord.Chunk.class, WITHIN);
        chunks.awaitFirst(stalled, ChunkRecord.Chunk.class, WITHIN);
        String queued = start("sim", "sim-small");
        cancel(stalled, "tester", "changed my mind");
        cancel(queued, "tester", "never mind");
        ChunkRecord.SessionEnded end = ended(chunks.awaitSessionEnd(stalled, Duration.ofSeconds(5)));
        assertThat(end.outcome()).isEqualTo(SessionOutcome.CANCELLED);
        assertThat(end.cancelledBy()).isEqualTo("tester");
        assertThat(end.reason()).isEqualTo("changed my mind");
        ChunkRecord.SessionEnded queuedEnd = ended(chunks.awaitSessionEnd(queued, WITHIN));
        assertThat(queuedEnd.outcome()).isEqualTo(SessionOutcome.CANCELLED);
        assertThat(chunks.records(queued)).noneMatch(ChunkRecord.AttemptStarted.class::isInstance);
        chunks.awaitSessionEnd(busy, WITHIN);
    }

    @Test
    void aCancelBeforeTheStartIsHonouredWhenTheStartArrives() {
        String id = SessionIds.newId();
        cancel(id, "early-bird", "before it began");
        org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(300)).atMost(WITHIN).until(() -> true);
        start(id, "sim", "sim-small");
        ChunkRecord.SessionEnded end = ended(chunks.awaitSessionEnd(id, WITHIN));
        assertThat(end.outcome()).isEqualTo(SessionOutcome.CANCELLED);
        assertThat(end.cancelledBy()).isEqualTo("early-bird");
        assertThat(chunks.records(id)).noneMatch(ChunkRecord.AttemptStarted.class::isInstance);
    }

    private static ChunkRecord.SessionEnded ended(List<ChunkRecord> records) {
        return (ChunkRecord.SessionEnded) records.getLast();
    }

    private static <T> List<T> of(List<ChunkRecord> records, Class<T> type) {
        return records.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static String start(String upstream, String model) {
        return start(SessionIds.newId(), upstream, model);
    }

    private static String start(String id, String upstream, String model) {
        RequestRecord.Start start = new RequestRecord.Start(id, "test-owner", upstream, ProviderFormat.OPENAI_CHAT, model,
                List.of(RequestRecord.ChatMessage.text("user", "resilience " + id)), Json.MAPPER.createObjectNode(),
                Instant.now(), null);
        producer.send(new ProducerRecord<>(Topics.REQUESTS, id, start));
        producer.flush();
        return id;
    }

    private static void cancel(String id, String by, String reason) {
        producer.send(new ProducerRecord<>(Topics.CONTROL, id, new ControlRecord.Cancel(id, by, reason, Instant.now())));
        producer.flush();
    }
}
