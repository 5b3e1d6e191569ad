package dev.rewind.ingest;

import static dev.rewind.ingest.IngestRig.ended;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.sim.LlmSimulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A worker whose freeze is simulated: its freeze fence reads a clock the test moves on by more than
 * half the session timeout, but not past it, so the worker keeps its partitions. Its sessions' writes
 * are held until its consumer confirms them, then they carry on; what the freeze did to a call is
 * not held against the upstream. (A real freeze past the session timeout is in {@link TakeoverTest}.)
 */
@WithKafka
class FrozenWorkerTest {

    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static final Duration FREEZE = IngestService.FREEZE_THRESHOLD.plusSeconds(1);
    private static final AtomicLong frozenFor = new AtomicLong();
    private static final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private static UpstreamFixture fixture;
    private static IngestService ingest;

    @BeforeAll
    static void start(KafkaBroker broker) {
        fixture = UpstreamFixture.start(broker);
        LlmSimulator sim = fixture.sim();
        ingest = IngestService.start(TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: ingest-frozen-worker-test
                stall_timeout_ms: 1000
                retry: {max_attempts: 3, initial_backoff_ms: 50, max_backoff_ms: 100, total_budget_ms: 20000}
                circuit_breaker: {window: 4, minimum_calls: 2, failure_rate_percent: 50, open_ms: 30000, half_open_calls: 1,
                                  when_open: fail}
                upstreams:
                  steady: {format: openai-chat, base_url: "%2$s/v1"}
                  stalling: {format: openai-chat, base_url: "%2$s/v1"}
                """.formatted(broker.bootstrapServers(), sim.baseUrl())), Map.of(), UnaryOperator.identity(), meters,
                () -> System.nanoTime() + frozenFor.get());
    }

    @AfterAll
    static void stop() {
        ingest.close();
        fixture.close();
    }

    @Test
    void aSessionWhosePartitionIsStillOwnedAfterAFreezeCarriesOnInTheSameAttempt() {
        String session = fixture.requests().start("steady", "sim-small@length=30,tps=10", "steady");
        fixture.chunks().awaitFirst(session, ChunkRecord.Chunk.class, WITHIN);
        double freezes = freezes();

        freeze();
        await().atMost(WITHIN).until(() -> freezes() == freezes + 1);

        List<ChunkRecord> records = fixture.chunks().awaitSessionEnd(session, WITHIN);
        assertThat(ended(records).outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(records).extracting(ChunkRecord::attempt).as("no new attempt: nobody took the session").containsOnly(1);
        assertThat(records).filteredOn(ChunkRecord.Chunk.class::isInstance).extracting(r -> ((ChunkRecord.Chunk) r).seq())
                .as("every read kept, in order").isSorted().doesNotHaveDuplicates()
                .satisfies(seqs -> assertThat(seqs.getLast()).isEqualTo((long) seqs.size()));
        assertThat(meters.get("rewind.ingest.freeze.fenced").gauge().value()).as("the fence is lifted").isZero();
    }

    @Test
    void aStallThatSpansAFreezeIsNotCountedAgainstTheUpstreamsCircuitBreaker() {
        // attempt 1 is answered (a success for the breaker) and stalls; counted, its stall would make
        // one failure in two calls, which opens this breaker, and attempt 2 would fail at once
        String session = fixture.requests().start("stalling", "sim-small@stall-after=3x1", "stalling");
        fixture.chunks().awaitFirst(session, ChunkRecord.Chunk.class, WITHIN);
        freeze();

        List<ChunkRecord> records = fixture.chunks().awaitSessionEnd(session, WITHIN);
        assertThat(records).filteredOn(ChunkRecord.AttemptEnded.class::isInstance)
                .extracting(r -> ((ChunkRecord.AttemptEnded) r).outcome()).first()
                .isEqualTo(ChunkRecord.AttemptOutcome.STALLED);
        assertThat(ended(records).outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(ended(records).attempt()).isEqualTo(2);
    }

    private static void freeze() {
        frozenFor.addAndGet(FREEZE.toNanos());
    }

    private static double freezes() {
        return meters.get("rewind.ingest.freezes").counter().count();
    }
}
