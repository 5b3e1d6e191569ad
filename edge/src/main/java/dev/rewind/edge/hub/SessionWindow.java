package dev.rewind.edge.hub;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The recent events of one session that has local subscribers, bounded by count and bytes. It holds
 * every event of the session at offsets {@code coveredFrom} and later that the hub dispatched, so a
 * resume at or after {@code coveredFrom} is served from memory. A window opened before its session
 * existed ({@link #fromBirth}) holds the whole session until it first evicts. Guarded by the hub's
 * partition lock.
 */
final class SessionWindow {

    private final int maxEvents;
    private final long maxBytes;
    private final ArrayDeque<Delivery> events = new ArrayDeque<>();
    private long bytes;
    private long coveredFrom;
    private boolean wholeSession;

    SessionWindow(long coveredFrom, int maxEvents, long maxBytes) {
        this.coveredFrom = coveredFrom;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /** A window opened at {@code position} before any event of its session can be in the log. */
    static SessionWindow fromBirth(long position, int maxEvents, long maxBytes) {
        SessionWindow window = new SessionWindow(position, maxEvents, maxBytes);
        window.wholeSession = true;
        return window;
    }

    /** Whether every event of the session before the hub's position is here (none evicted since its birth). */
    boolean holdsWholeSession() {
        return wholeSession;
    }

    void add(Delivery delivery) {
        events.addLast(delivery);
        bytes += delivery.weight();
        while (!events.isEmpty() && (events.size() > maxEvents || bytes > maxBytes)) {
            Delivery evicted = events.removeFirst();
            bytes -= evicted.weight();
            coveredFrom = evicted.offset() + 1;
            wholeSession = false;
        }
    }

    long coveredFrom() {
        return coveredFrom;
    }

    long bytes() {
        return bytes;
    }

    /** The oldest seq held, or -1 when empty. */
    long firstSeq() {
        return events.isEmpty() ? -1 : events.peekFirst().id().seq();
    }

    /** The event at {@code offset}, or null when the window holds none there. */
    Delivery at(long offset) {
        for (Delivery delivery : events) {
            if (delivery.offset() == offset) {
                return delivery;
            }
            if (delivery.offset() > offset) {
                return null;
            }
        }
        return null;
    }

    /** The events at offsets from {@code offset} on. */
    List<Delivery> from(long offset) {
        List<Delivery> found = new ArrayList<>();
        for (Delivery delivery : events) {
            if (delivery.offset() >= offset) {
                found.add(delivery);
            }
        }
        return found;
    }

    /** The events with seq above {@code seq}. */
    List<Delivery> afterSeq(long seq) {
        List<Delivery> found = new ArrayList<>();
        for (Delivery delivery : events) {
            if (delivery.id().seq() > seq) {
                found.add(delivery);
            }
        }
        return found;
    }
}
