package dev.rewind.edge.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.RawRecords;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hub and the feeds on it against a real broker: handoff from replay to the live tail, windows, overflow, bad cursors. */
@WithKafka
class TokenHubTest {

    private static final int PARTITIONS = 3;
    private static KafkaBroker broker;
    private final List<AutoCloseable> open = new ArrayList<>();
    private SimpleMeterRegistry meters;

    @BeforeAll
    static void topics(KafkaBroker kafka) {
        broker = kafka;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }

    /** A hub and its readers on this broker; {@code extraYaml} tunes windows and queues. */
    private record Rig(EdgeConfig config, TokenHub hub, ReplayReaders readers) {
        SessionFeed open(String sessionId, Cursor cursor) throws Exception {
            Subscriber subscriber = new Subscriber(sessionId, config.sse().queueEvents(), config.sse().queueBytes());
            return SessionFeed.open(hub, readers, subscriber, Instant.now().minusSeconds(60), cursor);
        }
    }

    private Rig rig(String extraYaml) {
        EdgeConfig config = EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, extraYaml);
        meters = new SimpleMeterRegistry();
        TokenHub hub = new TokenHub(config.hub(), config.sse().pollMs(), config.kafka().clientConfig(TokenHub.consumerDefaults()),
                PARTITIONS, meters, ReaderFaults.of(config, meters)).start(Duration.ofSeconds(30));
        open.add(hub);
        ReplayReaders readers = ReplayReaders.forStreams(config, meters);
        open.add(readers);
        return new Rig(config, hub, readers);
    }

    private TokenTopicWriter writer() {
        TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers());
        open.add(writer);
        return writer;
    }

    /** Reads a feed until its end; returns the events (gaps too) and the end. */
    private static List<SessionFeed.Item> readToEnd(SessionFeed feed, List<SessionFeed.End> endOut) throws Exception {
        List<SessionFeed.Item> items = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            SessionFeed.Batch batch = feed.next(TimeUnit.MILLISECONDS.toNanos(200));
            items.addAll(batch.items());
            if (batch.end() != null) {
                endOut.add(batch.end());
                return items;
            }
        }
        throw new AssertionError("the feed did not end within 60 s; got " + items.size() + " items");
    }

    private static List<Long> seqs(List<SessionFeed.Item> items) {
        return items.stream().map(item -> ((SessionFeed.Item.Event) item).delivery().id().seq()).toList();
    }

    private static List<Long> range(long fromInclusive, long toInclusive) {
        List<Long> expected = new ArrayList<>();
        for (long seq = fromInclusive; seq <= toInclusive; seq++) {
            expected.add(seq);
        }
        return expected;
    }

    @Test
    void replayHandsOverToTheLiveTailWithoutGapOrDuplicateWhileTheSessionIsWritten() throws Exception {
        // a one-event window: nearly every feed replays from Kafka and must meet the live tail exactly
        assertHandoffIsExact(rig("hub: {window_events: 1}"));
    }

    @Test
    void windowHandsOverToTheLiveTailWithoutGapOrDuplicateWhileTheSessionIsWritten() throws Exception {
        assertHandoffIsExact(rig("hub: {window_events: 100000, window_bytes: 100000000}"));
    }

    /**
     * The race on purpose: while one thread commits a 400-event session (one to three events per
     * transaction), 48 feeds open at random moments with random cursors (start, seq:N, an id seen
     * so far). Each must see exactly the events after its cursor, once, in order.
     */
    private void assertHandoffIsExact(Rig rig) throws Exception {
        String sessionId = SessionIds.newId();
        List<TokenEvent> events = TokenTopicWriter.conversationEvents(sessionId, TokenTopicWriter.numbered(398));
        long last = events.getLast().seq();
        Map<Long, EventId> idsBySeq = new ConcurrentHashMap<>();
        // the reference reader, live from before the first event, learns every id
        SessionFeed reference = rig.open(sessionId, new Cursor.FromStart());
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<List<SessionFeed.Item>> referenceRead = threads.submit(() -> {
                List<SessionFeed.Item> items = new ArrayList<>();
                while (true) {
                    SessionFeed.Batch batch = reference.next(TimeUnit.MILLISECONDS.toNanos(200));
                    for (SessionFeed.Item item : batch.items()) {
                        EventId id = ((SessionFeed.Item.Event) item).delivery().id();
                        idsBySeq.put(id.seq(), id);
                    }
                    items.addAll(batch.items());
                    if (batch.end() != null) {
                        return items;
                    }
                }
            });
            TokenTopicWriter writer = writer();
            Future<?> writing = threads.submit(() -> {
                for (int i = 0; i < events.size(); ) {
                    int n = Math.min(events.size() - i, 1 + ThreadLocalRandom.current().nextInt(3));
                    writer.commit(events.subList(i, i + n));
                    i += n;
                }
                return null;
            });
            List<Future<Void>> readers = new ArrayList<>();
            for (int r = 0; r < 48; r++) {
                readers.add(threads.submit(() -> {
                    await().atMost(Duration.ofSeconds(30)).until(() -> idsBySeq.size() >= ThreadLocalRandom.current().nextInt(1, 300)
                            || writing.isDone());
                    Cursor cursor;
                    long after;
                    int kind = ThreadLocalRandom.current().nextInt(3);
                    if (kind == 0 || idsBySeq.isEmpty()) {
                        cursor = new Cursor.FromStart();
                        after = 0;
                    } else if (kind == 1) {
                        after = ThreadLocalRandom.current().nextLong(0, last);
                        cursor = new Cursor.AfterSeq(after);
                    } else {
                        List<EventId> seen = List.copyOf(idsBySeq.values());
                        EventId id = seen.get(ThreadLocalRandom.current().nextInt(seen.size()));
                        cursor = new Cursor.After(id);
                        after = id.seq();
                    }
                    try (SessionFeed feed = rig.open(sessionId, cursor)) {
                        List<SessionFeed.End> end = new ArrayList<>();
                        List<SessionFeed.Item> items = after == last ? List.of() : readToEnd(feed, end);
                        if (after < last) {
                            assertThat(seqs(items)).as("cursor %s", cursor).isEqualTo(range(after + 1, last));
                            assertThat(end).containsExactly(SessionFeed.End.TERMINAL);
                        }
                    }
                    return null;
                }));
            }
            writing.get(60, TimeUnit.SECONDS);
            for (Future<Void> reader : readers) {
                reader.get(90, TimeUnit.SECONDS);
            }
            assertThat(seqs(referenceRead.get(30, TimeUnit.SECONDS))).isEqualTo(range(1, last));
        } finally {
            reference.close();
            threads.shutdownNow();
        }
    }

    @Test
    void servesAResumeFromTheWindowAndAnOlderOneFromKafka() throws Exception {
        Rig rig = rig("hub: {window_events: 4}");
        String sessionId = SessionIds.newId();
        try (SessionFeed live = rig.open(sessionId, new Cursor.Live())) {
            writer().conversation(sessionId, TokenTopicWriter.numbered(8));
            List<SessionFeed.Item> all = readToEnd(live, new ArrayList<>());
            assertThat(seqs(all)).isEqualTo(range(1, 10));
            EventId recent = ((SessionFeed.Item.Event) all.get(7)).delivery().id();
            EventId old = ((SessionFeed.Item.Event) all.get(1)).delivery().id();

            double readsBefore = meters.counter("rewind.edge.replay.reads").count();
            try (SessionFeed fromMemory = rig.open(sessionId, new Cursor.After(recent))) {
                assertThat(fromMemory.source()).isEqualTo(SessionFeed.Source.MEMORY);
                assertThat(seqs(readToEnd(fromMemory, new ArrayList<>()))).isEqualTo(range(9, 10));
            }
            assertThat(meters.counter("rewind.edge.replay.reads").count()).isEqualTo(readsBefore);

            try (SessionFeed fromKafka = rig.open(sessionId, new Cursor.After(old))) {
                assertThat(fromKafka.source()).isEqualTo(SessionFeed.Source.KAFKA);
                assertThat(seqs(readToEnd(fromKafka, new ArrayList<>()))).isEqualTo(range(3, 10));
            }
            assertThat(meters.counter("rewind.edge.replay.reads").count()).isGreaterThan(readsBefore);
        }
    }

    @Test
    void aSessionExpectedBeforeItsEventsIsServedWholeFromMemoryUntilItsWindowEvicts() throws Exception {
        Rig rig = rig("hub: {window_events: 12}");
        String expected = SessionIds.newId();
        String evicting = SessionIds.newId();
        String unannounced = SessionIds.newId();
        rig.hub().expectNewSession(expected);
        rig.hub().expectNewSession(evicting);
        TokenTopicWriter writer = writer();
        writer.conversation(expected, TokenTopicWriter.numbered(8));
        writer.conversation(evicting, TokenTopicWriter.numbered(20));
        writer.conversation(unannounced, TokenTopicWriter.numbered(8));
        // the hub has put all 32 events of the two expected sessions in their windows
        await().atMost(Duration.ofSeconds(30)).until(() -> meters.counter("rewind.edge.hub.events").count() >= 32);

        double readsBefore = meters.counter("rewind.edge.replay.reads").count();
        try (SessionFeed fromStart = rig.open(expected, new Cursor.FromStart())) {
            assertThat(fromStart.source()).isEqualTo(SessionFeed.Source.MEMORY);
            assertThat(seqs(readToEnd(fromStart, new ArrayList<>()))).isEqualTo(range(1, 10));
        }
        try (SessionFeed afterSeq = rig.open(expected, new Cursor.AfterSeq(3))) {
            assertThat(afterSeq.source()).isEqualTo(SessionFeed.Source.MEMORY);
            assertThat(seqs(readToEnd(afterSeq, new ArrayList<>()))).isEqualTo(range(4, 10));
        }
        assertThat(meters.counter("rewind.edge.replay.reads").count()).as("no Kafka read").isEqualTo(readsBefore);

        // a window that lost the session's first events, and a session this hub was never told of, read Kafka
        try (SessionFeed evicted = rig.open(evicting, new Cursor.FromStart())) {
            assertThat(evicted.source()).isEqualTo(SessionFeed.Source.KAFKA);
            assertThat(seqs(readToEnd(evicted, new ArrayList<>()))).isEqualTo(range(1, 22));
        }
        try (SessionFeed notExpected = rig.open(unannounced, new Cursor.FromStart())) {
            assertThat(notExpected.source()).isEqualTo(SessionFeed.Source.KAFKA);
            assertThat(seqs(readToEnd(notExpected, new ArrayList<>()))).isEqualTo(range(1, 10));
        }
    }

    @Test
    void aCursorAtTheTerminalEventEndsTheFeedBeforeAnyEvent() throws Exception {
        Rig rig = rig("");
        String sessionId = SessionIds.newId();
        writer().conversation(sessionId, "a", "b");
        List<SessionFeed.Item> all;
        try (SessionFeed feed = rig.open(sessionId, new Cursor.FromStart())) {
            all = readToEnd(feed, new ArrayList<>());
        }
        EventId terminal = ((SessionFeed.Item.Event) all.getLast()).delivery().id();
        for (Cursor cursor : List.of(new Cursor.After(terminal), new Cursor.AfterSeq(terminal.seq()))) {
            try (SessionFeed feed = rig.open(sessionId, cursor)) {
                SessionFeed.Batch first = feed.next(0);
                assertThat(first.items()).as("cursor %s", cursor).isEmpty();
                assertThat(first.end()).isEqualTo(SessionFeed.End.TERMINAL);
            }
        }
    }

    @Test
    void aRecordOfASubscribedSessionThatDoesNotDecodeIsDeadLetteredAndOneOfAnUnknownTypeSkipped() throws Exception {
        Rig rig = rig("");
        String sessionId = SessionIds.newId();
        List<TokenEvent> events = TokenTopicWriter.conversationEvents(sessionId, "a", "b");
        try (SessionFeed feed = rig.open(sessionId, new Cursor.Live()); RawRecords raw = new RawRecords(broker.bootstrapServers())) {
            TokenTopicWriter writer = writer();
            writer.commit(events.subList(0, 2));
            RecordMetadata garbage = raw.write(Topics.TOKENS, sessionId, new byte[] {(byte) 0xc3, 0x28, '{'});
            raw.write(Topics.TOKENS, sessionId, "{\"type\":\"thought\",\"session_id\":\"" + sessionId + "\",\"seq\":3}");
            writer.commit(events.subList(2, events.size()));

            assertThat(seqs(readToEnd(feed, new ArrayList<>()))).isEqualTo(events.stream().map(TokenEvent::seq).toList());
            assertThat(raw.awaitDeadLetter(garbage, Duration.ofSeconds(20)).reason()).startsWith("not-json: ");
            assertThat(meters.get("rewind.edge.records.undecodable").tag("topic", Topics.TOKENS).counter().count()).isEqualTo(1);
            assertThat(meters.get("rewind.edge.records.unknown_type").tag("topic", Topics.TOKENS).counter().count()).isEqualTo(1);
        }
    }

    @Test
    void aSubscriberThatFallsBehindIsCutAndItsQueueEmptied() throws Exception {
        Rig rig = rig("sse: {queue_events: 16}");
        String sessionId = SessionIds.newId();
        try (SessionFeed stalled = rig.open(sessionId, new Cursor.Live())) {
            TokenTopicWriter writer = writer();
            writer.commit(TokenTopicWriter.conversationEvents(sessionId, TokenTopicWriter.numbered(40)));
            await().atMost(Duration.ofSeconds(20)).until(() -> meters.counter("rewind.edge.queue.drops").count() == 1);
            SessionFeed.Batch batch = stalled.next(0);
            assertThat(batch.items()).isEmpty();
            assertThat(batch.end()).isEqualTo(SessionFeed.End.OVERFLOW);
        }
    }

    @Test
    void refusesIdsOfAnotherPartitionOfAnotherSessionAndPastTheEnd() throws Exception {
        Rig rig = rig("");
        String sessionId = SessionIds.newId();
        String neighbour = samePartition(sessionId);
        writer().conversation(neighbour, "not", "yours");
        writer().conversation(sessionId, "mine");
        List<SessionFeed.Item> theirs;
        try (SessionFeed feed = rig.open(neighbour, new Cursor.FromStart())) {
            theirs = readToEnd(feed, new ArrayList<>());
        }
        EventId foreign = ((SessionFeed.Item.Event) theirs.get(1)).delivery().id();
        int partition = SessionPartitioner.partitionFor(sessionId, PARTITIONS);
        assertThatThrownBy(() -> rig.open(sessionId, new Cursor.After(foreign)))
                .isInstanceOf(SessionFeed.BadCursorException.class).hasMessageContaining("does not belong");
        assertThatThrownBy(() -> rig.open(sessionId, new Cursor.After(new EventId((partition + 1) % PARTITIONS, 0, 1))))
                .isInstanceOf(SessionFeed.BadCursorException.class).hasMessageContaining("does not belong");
        assertThatThrownBy(() -> rig.open(sessionId, new Cursor.After(new EventId(partition, 999_999_999L, 1))))
                .isInstanceOf(SessionFeed.BadCursorException.class).hasMessageContaining("past the end");
        // a refused open leaves no subscriber behind
        assertThat(rig.hub().readiness().ready()).isTrue();
    }

    @Test
    void aPositionDeletedByRetentionGivesAGapNamingWhereReadingResumed() throws Exception {
        Rig rig = rig("");
        String sessionId = SessionIds.newId();
        writer().conversation(sessionId, TokenTopicWriter.numbered(4));
        List<SessionFeed.Item> all;
        try (SessionFeed feed = rig.open(sessionId, new Cursor.FromStart())) {
            all = readToEnd(feed, new ArrayList<>());
        }
        EventId first = ((SessionFeed.Item.Event) all.get(0)).delivery().id();
        EventId third = ((SessionFeed.Item.Event) all.get(2)).delivery().id();
        TopicPartition tp = new TopicPartition(Topics.TOKENS, first.partition());
        broker.admin().deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(third.offset()))).all().get(30, TimeUnit.SECONDS);

        try (SessionFeed feed = rig.open(sessionId, new Cursor.After(first))) {
            List<SessionFeed.Item> items = readToEnd(feed, new ArrayList<>());
            SessionFeed.Item.Gap gap = (SessionFeed.Item.Gap) items.getFirst();
            assertThat(gap.requested()).isEqualTo(first);
            assertThat(gap.resumedAt()).isEqualTo(new EventId(first.partition(), third.offset() - 1, first.seq()));
            assertThat(seqs(items.subList(1, items.size()))).isEqualTo(range(3, 6));
        }
    }

    /** A new session id that lives in the same partition as {@code sessionId}. */
    static String samePartition(String sessionId) {
        int partition = SessionPartitioner.partitionFor(sessionId, PARTITIONS);
        while (true) {
            String candidate = SessionIds.newId();
            if (SessionPartitioner.partitionFor(candidate, PARTITIONS) == partition) {
                return candidate;
            }
        }
    }
}
