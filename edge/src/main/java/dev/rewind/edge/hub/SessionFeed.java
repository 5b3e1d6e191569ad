package dev.rewind.edge.hub;

import dev.rewind.protocol.EventId;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;

/**
 * One connection's view of a session: the events after its cursor, each once, in order, then the
 * live tail. Registers with the hub first (so live events from the hub's position on are queued),
 * then serves the part before that position from the hub's window when it covers the cursor, else
 * reads it from Kafka by seek with a borrowed {@link ReplayReaders.Reader}; an offset-and-seq
 * filter makes the seam between the two free of gaps and duplicates.
 */
public final class SessionFeed implements AutoCloseable {

    /** What a connection writes. */
    public sealed interface Item {
        record Event(Delivery delivery) implements Item {}

        /** The asked-for position was deleted by retention; {@code resumedAt} names where reading resumed. */
        record Gap(EventId requested, EventId resumedAt) implements Item {}
    }

    /** Why a feed ends. */
    public enum End {
        /** The session's terminal event was delivered, or lies at or before the cursor. */
        TERMINAL,
        /** The connection fell behind by more than its queue holds; the client resumes by id. */
        OVERFLOW,
        /** The edge is shutting down; the client reconnects. */
        SHUTDOWN
    }

    /** The next items, and whether the feed ends after them. */
    public record Batch(List<Item> items, End end) {}

    /** Where the feed found its first events: the hub's window, Kafka, or nowhere before the live tail. */
    public enum Source { MEMORY, KAFKA, LIVE }

    /** A cursor that cannot be served: not this session's, past the end. The message is client-facing. */
    public static final class BadCursorException extends Exception {
        BadCursorException(String message) {
            super(message, null, false, false);
        }
    }

    private final TokenHub hub;
    private final ReplayReaders readers;
    private final String sessionId;
    private final TopicPartition partition;
    private final Subscriber subscriber;
    private final List<Delivery> fromWindow;
    private final long replayUntil;
    private final Source source;
    private final long scannedTo;
    /** Where each wake-up drains the queue to: kept, since one thread reads the feed and every wake-up needs one. */
    private final List<Delivery> live = new ArrayList<>();
    private Item.Gap gap;
    private long nextOffset;
    private long lastSeq;
    private boolean ended;
    /** The first delivered record's headers that the hub kept (tracing on), for the connection's span. */
    private org.apache.kafka.common.header.Headers trace;

    private SessionFeed(TokenHub hub, ReplayReaders readers, String sessionId, TopicPartition partition, Subscriber subscriber,
            List<Delivery> fromWindow, long replayUntil, long nextOffset, long lastSeq, Item.Gap gap, Source source, long scannedTo) {
        this.hub = hub;
        this.readers = readers;
        this.sessionId = sessionId;
        this.partition = partition;
        this.subscriber = subscriber;
        this.fromWindow = fromWindow;
        this.replayUntil = replayUntil;
        this.nextOffset = nextOffset;
        this.lastSeq = lastSeq;
        this.gap = gap;
        this.source = source;
        this.scannedTo = scannedTo;
    }

    /**
     * Opens a feed of {@code sessionId} after {@code cursor}. {@code since} bounds the time-index
     * lookup of the session's first event (created_at minus the skew margin).
     */
    public static SessionFeed open(TokenHub hub, ReplayReaders readers, Subscriber subscriber, Instant since, Cursor cursor)
            throws BadCursorException, ReplayReaders.BusyException, InterruptedException {
        String sessionId = subscriber.sessionId();
        int p = SessionPartitioner.partitionFor(sessionId, hub.partitionCount());
        TopicPartition tp = new TopicPartition(Topics.TOKENS, p);
        if (cursor instanceof Cursor.After after && after.id().partition() != p) {
            throw new BadCursorException("Last-Event-ID does not belong to this session");
        }
        TokenHub.Registration registration = hub.register(p, subscriber, windowReader(cursor));
        try {
            return switch (cursor) {
                case Cursor.Live live -> feed(hub, readers, tp, subscriber, null, 0, registration.livePosition(), -1, null, Source.LIVE, 0);
                case Cursor.After after -> afterId(hub, readers, tp, subscriber, registration, after.id());
                case Cursor.FromStart start -> afterSeq(hub, readers, tp, subscriber, registration, since, 0);
                case Cursor.AfterSeq seq -> afterSeq(hub, readers, tp, subscriber, registration, since, seq.seq());
            };
        } catch (BadCursorException | ReplayReaders.BusyException | InterruptedException | RuntimeException e) {
            hub.unregister(p, subscriber);
            throw e;
        }
    }

    /**
     * The window serves an id at or after where it is complete, and a seq when it still holds the
     * next one — or holds the whole session, which may have no event yet.
     */
    private static TokenHub.WindowReader windowReader(Cursor cursor) {
        return switch (cursor) {
            case Cursor.Live live -> null;
            case Cursor.After after -> (window, live) -> {
                long offset = after.id().offset();
                return offset < live && offset >= window.coveredFrom() ? window.from(offset) : null;
            };
            case Cursor.FromStart start -> (window, live) ->
                    window.holdsWholeSession() || window.firstSeq() == 1 ? window.from(0) : null;
            case Cursor.AfterSeq seq -> (window, live) -> window.holdsWholeSession()
                    || window.firstSeq() >= 1 && window.firstSeq() <= seq.seq() + 1 ? window.from(0) : null;
        };
    }

    private static SessionFeed afterId(TokenHub hub, ReplayReaders readers, TopicPartition tp, Subscriber subscriber,
            TokenHub.Registration registration, EventId id) throws BadCursorException, ReplayReaders.BusyException, InterruptedException {
        if (registration.fromWindow() != null) {
            List<Delivery> window = registration.fromWindow();
            // the window holds every event of the session in its range: the id must name one of them
            if (window.isEmpty() || window.getFirst().offset() != id.offset() || window.getFirst().id().seq() != id.seq()) {
                throw new BadCursorException("Last-Event-ID does not belong to this session");
            }
            return feed(hub, readers, tp, subscriber, window, 0, id.offset(), id.seq(), null, Source.MEMORY, 0);
        }
        long live = registration.livePosition();
        try (ReplayReaders.Reader reader = readers.acquire()) {
            // below the hub's position the id is inside the log; only a newer one needs the end checked
            if (id.offset() >= live && id.offset() >= reader.end(tp)) {
                throw new BadCursorException("Last-Event-ID is past the end of the stream");
            }
            ReplayReaders.Read read;
            try {
                // one read verifies the id (its offset must hold this session's event with that seq) and starts the replay
                read = reader.read(tp, subscriber.sessionId(), id.offset(), Math.max(live, id.offset() + 1));
            } catch (OffsetOutOfRangeException e) {
                ReplayReaders.Bounds bounds = reader.bounds(tp);
                if (id.offset() >= bounds.end()) {
                    throw new BadCursorException("Last-Event-ID is past the end of the stream");
                }
                if (id.offset() + 1 >= bounds.beginning()) {
                    // only the id's own record is gone: nothing after it was lost
                    return feed(hub, readers, tp, subscriber, null, live, bounds.beginning(), id.seq(), null, Source.KAFKA, 0);
                }
                // deleted by retention: resume at the oldest record, under an id naming that position
                EventId resumedAt = new EventId(tp.partition(), bounds.beginning() - 1, id.seq());
                return feed(hub, readers, tp, subscriber, null, live, bounds.beginning(), id.seq(),
                        new Item.Gap(id, resumedAt), Source.KAFKA, 0);
            }
            List<Delivery> found = decodeAll(hub, read.records());
            if (found.isEmpty() && read.reached() <= id.offset()) {
                throw new ReplayReaders.BusyException("the event log did not answer in time; retry shortly");
            }
            if (found.isEmpty() || found.getFirst().offset() != id.offset() || found.getFirst().id().seq() != id.seq()) {
                throw new BadCursorException("Last-Event-ID does not belong to this session");
            }
            return feed(hub, readers, tp, subscriber, found, live, id.offset(), id.seq(), null, Source.KAFKA, read.reached());
        }
    }

    private static SessionFeed afterSeq(TokenHub hub, ReplayReaders readers, TopicPartition tp, Subscriber subscriber,
            TokenHub.Registration registration, Instant since, long seq) throws ReplayReaders.BusyException, InterruptedException {
        if (registration.fromWindow() != null) {
            return feed(hub, readers, tp, subscriber, registration.fromWindow(), 0, 0, seq, null, Source.MEMORY, 0);
        }
        long start;
        try (ReplayReaders.Reader reader = readers.acquire()) {
            // the time index never answers below the log's start: one lookup, where bounds and a lookup took three
            start = reader.offsetAt(tp, since.toEpochMilli());
        }
        return feed(hub, readers, tp, subscriber, null, registration.livePosition(), start, seq, null,
                start < registration.livePosition() ? Source.KAFKA : Source.LIVE, 0);
    }

    /**
     * {@code pending} events come first (from the window, or the read that verified the cursor, which
     * scanned the log up to {@code scannedTo}); then Kafka up to {@code replayUntil}; then the queue.
     */
    private static SessionFeed feed(TokenHub hub, ReplayReaders readers, TopicPartition tp, Subscriber subscriber,
            List<Delivery> pending, long replayUntil, long nextOffset, long lastSeq, Item.Gap gap, Source source, long scannedTo) {
        return new SessionFeed(hub, readers, subscriber.sessionId(), tp, subscriber,
                pending == null ? List.of() : new ArrayList<>(pending), replayUntil, nextOffset, lastSeq, gap, source, scannedTo);
    }

    private static List<Delivery> decodeAll(TokenHub hub, List<ConsumerRecord<String, byte[]>> records) {
        List<Delivery> found = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            Delivery delivery = hub.decodeReplayed(record);
            if (delivery != null) {
                found.add(delivery);
            }
        }
        return found;
    }

    /**
     * True while the feed still serves the session's past (the window or a replay read): an empty
     * batch then says nothing about the tail. Once false, an empty batch means caught up.
     */
    public boolean replaying() {
        return !fromWindow.isEmpty() || gap != null || nextOffset < replayUntil;
    }

    public Source source() {
        return source;
    }

    public Subscriber subscriber() {
        return subscriber;
    }

    /**
     * The next items: what the window or a replay read gives, else what the live queue holds,
     * waiting up to {@code waitNanos} for it. An empty batch without an end means nothing yet.
     */
    public Batch next(long waitNanos) throws ReplayReaders.BusyException, InterruptedException {
        if (ended) {
            throw new IllegalStateException("the feed has ended");
        }
        List<Item> out = new ArrayList<>();
        if (gap != null) {
            out.add(gap);
            gap = null;
        }
        if (!fromWindow.isEmpty()) {
            boolean terminal = acceptAll(fromWindow, out);
            fromWindow.clear();
            nextOffset = Math.max(nextOffset, scannedTo);
            if (terminal) {
                return end(out, End.TERMINAL);
            }
        }
        if (nextOffset < replayUntil) {
            Subscriber.Ending ending = subscriber.ending();
            if (ending != null) {
                return end(out, ending == Subscriber.Ending.OVERFLOW ? End.OVERFLOW : End.SHUTDOWN);
            }
            if (replay(out)) {
                return end(out, End.TERMINAL);
            }
            if (!out.isEmpty() || nextOffset < replayUntil) {
                return new Batch(out, null);
            }
        }
        live.clear();
        Subscriber.Ending ending = subscriber.drainTo(live, out.isEmpty() ? waitNanos : 0);
        boolean terminal = acceptAll(live, out);
        live.clear();
        if (terminal) {
            return end(out, End.TERMINAL);
        }
        if (ending != null) {
            return end(out, ending == Subscriber.Ending.OVERFLOW ? End.OVERFLOW : End.SHUTDOWN);
        }
        return new Batch(out, null);
    }

    /** One bounded read of the session's past from Kafka; true when it reached the terminal event. */
    private boolean replay(List<Item> out) throws ReplayReaders.BusyException, InterruptedException {
        ReplayReaders.Read read;
        try (ReplayReaders.Reader reader = readers.acquire()) {
            read = reader.read(partition, sessionId, nextOffset, replayUntil);
        }
        boolean terminal = acceptAll(decodeAll(hub, read.records()), out);
        nextOffset = Math.max(nextOffset, read.reached());
        return terminal;
    }

    /**
     * Keeps what the client has not seen: offsets from {@code nextOffset} on (the replay/live seam),
     * seqs above {@code lastSeq} (a resume). True once the terminal event is passed, shown or not.
     */
    private boolean acceptAll(List<Delivery> deliveries, List<Item> out) {
        for (Delivery delivery : deliveries) {
            if (delivery.offset() < nextOffset) {
                continue;
            }
            nextOffset = delivery.offset() + 1;
            if (trace == null) {
                trace = delivery.trace();
            }
            if (lastSeq < 0 || delivery.id().seq() > lastSeq) {
                lastSeq = delivery.id().seq();
                out.add(new Item.Event(delivery));
            }
            if (delivery.event().isTerminal()) {
                return true;
            }
        }
        return false;
    }

    /** The session's trace context as its token records carry it, once one was read with tracing on; else null. */
    public org.apache.kafka.common.header.Headers trace() {
        return trace;
    }

    private Batch end(List<Item> out, End end) {
        ended = true;
        return new Batch(out, end);
    }

    @Override
    public void close() {
        subscriber.end(Subscriber.Ending.SHUTDOWN);
        hub.unregister(partition.partition(), subscriber);
    }
}
