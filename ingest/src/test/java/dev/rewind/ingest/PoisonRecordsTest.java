package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.RawRecords;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's ingest findings against a real broker: a record that does not decode, or of a type
 * ingest does not know, on rewind.requests or rewind.control costs that record only (dead-lettered
 * or skipped, counted); the watchdog survives a session it cannot check; a cancel stops an upstream
 * call that has not answered yet.
 */
@WithKafka
class PoisonRecordsTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);
    /** Sessions whose chunk writes the test slows down: Kafka taking its time for them. */
    /** Sessions whose chunk sends are held until the test opens their gate. */
    private static final Map<String, CountDownLatch> HELD = new ConcurrentHashMap<>();
    private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();
    private static IngestRig rig;
    private static RawRecords raw;

    @BeforeAll
    static void start(KafkaBroker broker) {
        rig = IngestRig.start(broker, """
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: ingest-poison-test
                stall_timeout_ms: 1500
                retry: {max_attempts: 1}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """, PoisonRecordsTest::slowedFor, METERS);
        raw = new RawRecords(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        raw.close();
        rig.close();
    }

    @Test
    void aRequestThatDoesNotDecodeIsDeadLetteredAndTheNextSessionOfItsPartitionRuns() {
        String id = SessionIds.newId();
        RecordMetadata garbage = raw.write(Topics.REQUESTS, id, new byte[] {(byte) 0xff, 0x00, 'n', 'o', 't', ' ', 'j', 's', 'o', 'n'});
        RecordMetadata unknown = raw.write(Topics.REQUESTS, id, "{\"type\":\"resume\",\"session_id\":\"" + id + "\"}");
        RecordMetadata noValue = raw.write(Topics.REQUESTS, id, (byte[]) null);
        RecordMetadata wrongKey = raw.write(Topics.REQUESTS, id, validStartOf(SessionIds.newId()));
        rig.requests.start(id, "sim", "sim-small", "after the poison " + id);

        assertThat(IngestRig.ended(rig.chunks.awaitSessionEnd(id, WITHIN)).outcome()).isEqualTo(SessionOutcome.COMPLETED);
        assertThat(awaitDeadLetter(garbage).reason()).startsWith("not-json: ");
        assertThat(awaitDeadLetter(garbage).excerpt()).endsWith("not json");
        assertThat(awaitDeadLetter(noValue).reason()).startsWith("null-value: ");
        assertThat(awaitDeadLetter(wrongKey).reason()).startsWith("wrong-key: ");
        assertThat(awaitDeadLetter(wrongKey).sessionId()).isEqualTo(id);
        assertThat(raw.deadLetterAt(unknown)).isEmpty(); // a newer kind is skipped, not dead-lettered
        assertThat(count("rewind.ingest.records.unknown_type", Topics.REQUESTS)).isGreaterThanOrEqualTo(1);
        assertThat(count("rewind.ingest.records.undecodable", Topics.REQUESTS)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aControlRecordThatDoesNotDecodeIsDeadLetteredAndALaterCancelStillLands() {
        String id = SessionIds.newId();
        RecordMetadata garbage = raw.write(Topics.CONTROL, id, "{not json");
        raw.write(Topics.CONTROL, id, "{\"type\":\"pause\",\"session_id\":\"" + id + "\",\"at\":\"2026-12-07T10:00:00Z\"}");
        rig.requests.start(id, "sim", "sim-small@tps=5,length=300", "cancelled after the poison " + id);
        rig.chunks.awaitFirst(id, ChunkRecord.Chunk.class, WITHIN);
        rig.requests.cancel(id);

        assertThat(IngestRig.ended(rig.chunks.awaitSessionEnd(id, WITHIN)).outcome()).isEqualTo(SessionOutcome.CANCELLED);
        assertThat(awaitDeadLetter(garbage).reason()).startsWith("not-json: ");
        assertThat(count("rewind.ingest.records.unknown_type", Topics.CONTROL)).isGreaterThanOrEqualTo(1);
        assertThat(count("rewind.ingest.records.undecodable", Topics.CONTROL)).isGreaterThanOrEqualTo(1);
    }

    /**
     * A session of an unknown upstream has no run to check; while it waits for Kafka to take its end
     * the watchdog meets it every second. The watchdog must go on ending stalled reads.
     */
    @Test
    void theWatchdogStillEndsAStalledReadAfterMeetingASessionWithoutARun() {
        String unknown = SessionIds.newId();
        CountDownLatch gate = new CountDownLatch(1);
        HELD.put(unknown, gate);
        rig.requests.start(unknown, "not-configured", "sim-small", "no such upstream " + unknown);
        await().atMost(WITHIN).until(() -> rig.ingest.inFlight() > 0);
        String stalled = rig.requests.start("sim", "sim-small@stall-after=2", "stalls ");

        List<ChunkRecord> records = rig.chunks.awaitSessionEnd(stalled, WITHIN);
        assertThat(records).filteredOn(ChunkRecord.AttemptEnded.class::isInstance).map(ChunkRecord.AttemptEnded.class::cast)
                .extracting(ChunkRecord.AttemptEnded::outcome).containsExactly(AttemptOutcome.STALLED);
        gate.countDown(); // the session without a run was in flight the whole time the watchdog ended the stall
        ChunkRecord.SessionEnded unknownEnd = IngestRig.ended(rig.chunks.awaitSessionEnd(unknown, WITHIN));
        assertThat(unknownEnd.code()).isEqualTo("unknown_upstream");
    }

    @Test
    void aCancelStopsAnUpstreamCallThatHasNotAnsweredYet() {
        String id = SessionIds.newId();
        rig.requests.start(id, "sim", "sim-small@headers-delay=15000", "slow to answer " + id);
        await().atMost(WITHIN).until(() -> rig.sim.recentRequests().stream().anyMatch(r -> r.body().toString().contains(id)));
        long cancelledAt = System.nanoTime();
        rig.requests.cancel(id);

        List<ChunkRecord> records = rig.chunks.awaitSessionEnd(id, Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt)).isLessThan(Duration.ofSeconds(5));
        assertThat(IngestRig.ended(records).outcome()).isEqualTo(SessionOutcome.CANCELLED);
        assertThat(records).noneMatch(ChunkRecord.AttemptStarted.class::isInstance); // no answer was ever read
    }

    /** The chunk producer, with the sends of {@link #HELD} sessions held until their gate opens. */
    @SuppressWarnings("unchecked")
    private static Producer<String, ChunkRecord> slowedFor(Producer<String, ChunkRecord> producer) {
        return (Producer<String, ChunkRecord>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
                new Class<?>[] {Producer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("send") && args[0] instanceof ProducerRecord<?, ?> record
                            && HELD.get(record.key()) instanceof CountDownLatch gate) {
                        gate.await(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    try {
                        return method.invoke(producer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static byte[] validStartOf(String sessionId) {
        return Serdes.REQUEST.serialize(Topics.REQUESTS, new dev.rewind.protocol.RequestRecord.Start(sessionId, "test-owner", "sim",
                dev.rewind.protocol.ProviderFormat.OPENAI_CHAT, "sim-small", List.of(), null, java.time.Instant.now(), null));
    }

    private static DeadLetter awaitDeadLetter(RecordMetadata source) {
        return raw.awaitDeadLetter(source, WITHIN);
    }

    private static double count(String name, String topic) {
        Counter counter = METERS.find(name).tag("topic", topic).counter();
        return counter == null ? 0 : counter.count();
    }
}
