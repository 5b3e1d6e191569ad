package dev.rewind.edge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bounded session reader against a real broker: only the session's records, in order, and a refusal past the concurrency bound. */
@WithKafka
class SessionRecordReaderTest {

    @Test
    void readsOnlyTheSessionsRecordsAndRefusesAReadBeyondTheConcurrencyBound(KafkaBroker broker) throws Exception {
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(ApiCalls.PARTITIONS));
        EdgeConfig config = EdgeTestConfig.forBroker(broker.bootstrapServers(), ApiCalls.PARTITIONS,
                "audit: {max_concurrent_reads: 1}");
        String mine = SessionIds.newId();
        String other = SessionIds.newId();
        Instant createdAt = Instant.now();
        try (TopicWriter topics = new TopicWriter(broker.bootstrapServers())) {
            topics.tokens(new TokenEvent.Start(mine, 1, "sim", "m"), new TokenEvent.Start(other, 1, "sim", "m"),
                    new TokenEvent.Token(mine, 2, "a"), new TokenEvent.Token(other, 2, "x"), new TokenEvent.Token(mine, 3, "b"));
        }
        SessionRecordReader reader = new SessionRecordReader(config, ApiCalls.PARTITIONS, new SimpleMeterRegistry());
        SessionRecords records = new SessionRecords(reader, ReaderFaults.of(config, new SimpleMeterRegistry()));

        List<TokenEvent> seen = new ArrayList<>();
        records.tokens(mine, createdAt, event -> seen.add(event));
        assertThat(seen).extracting(TokenEvent::seq).containsExactly(1L, 2L, 3L);
        assertThat(seen).allSatisfy(event -> assertThat(event.sessionId()).isEqualTo(mine));

        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
            try {
                reader.read(Topics.TOKENS, mine, createdAt, record -> {
                    reading.countDown();
                    awaitRelease(release);
                    return false;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> reader.read(Topics.TOKENS, mine, createdAt, record -> true))
                .isInstanceOf(ProblemException.class)
                .satisfies(e -> assertThat(((ProblemException) e).status()).isEqualTo(503));
        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        // the permit is back once the first read is over
        List<TokenEvent> again = new ArrayList<>();
        records.tokens(mine, createdAt, event -> again.add(event));
        assertThat(again).hasSize(3);
        assertThat(reader.consumersOpened()).as("reads one after another share one pooled consumer").isEqualTo(1L);
        reader.close();
    }

    @Test
    void anUnreadableRecordAndOneOfAnUnknownTypeAreSkippedAndCountedInTheEdgesReaderMetrics(KafkaBroker broker) throws Exception {
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(ApiCalls.PARTITIONS));
        EdgeConfig config = EdgeTestConfig.forBroker(broker.bootstrapServers(), ApiCalls.PARTITIONS);
        String mine = SessionIds.newId();
        Instant createdAt = Instant.now();
        try (TopicWriter topics = new TopicWriter(broker.bootstrapServers())) {
            topics.tokens(new TokenEvent.Start(mine, 1, "sim", "m"));
            topics.raw(Topics.TOKENS, mine, "not json".getBytes(StandardCharsets.UTF_8));
            topics.raw(Topics.TOKENS, mine, ("{\"type\":\"from_a_later_version\",\"session_id\":\"" + mine + "\",\"seq\":2}")
                    .getBytes(StandardCharsets.UTF_8));
            topics.tokens(new TokenEvent.Token(mine, 2, "a"));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (SessionRecordReader reader = new SessionRecordReader(config, ApiCalls.PARTITIONS, meters)) {
            SessionRecords records = new SessionRecords(reader, ReaderFaults.of(config, meters));
            List<TokenEvent> seen = new ArrayList<>();
            records.tokens(mine, createdAt, seen::add);

            assertThat(seen).extracting(TokenEvent::seq).containsExactly(1L, 2L);
            assertThat(meters.get("rewind.edge.records.undecodable").tag("topic", Topics.TOKENS).counter().count()).isEqualTo(1);
            assertThat(meters.get("rewind.edge.records.unknown_type").tag("topic", Topics.TOKENS).counter().count()).isEqualTo(1);
        }
    }

    /** Holds the first read (and its permit) until the test lets it go. */
    private static void awaitRelease(CountDownLatch release) {
        try {
            assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
