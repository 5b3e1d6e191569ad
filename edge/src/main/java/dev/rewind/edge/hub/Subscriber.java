package dev.rewind.edge.hub;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's bounded queue of live events. The hub offers without ever blocking; the
 * connection's own thread drains it. When an offer does not fit (the client reads slower than the
 * session writes) the queue is emptied and marked overflowed, so memory stays bounded and the
 * connection is cut; the client resumes by id.
 *
 * <p>Not final only so that a test can give the write watchdog a subscriber whose ending throws.
 */
public class Subscriber {

    /** Why a subscription ended before its terminal event. */
    public enum Ending {
        /** The client fell behind by more than the queue holds. */
        OVERFLOW,
        /** The edge is shutting down; the client reconnects (to another instance). */
        SHUTDOWN
    }

    private final String sessionId;
    private final int maxEvents;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>(4);
    private long bytes;
    private Ending ending;

    public Subscriber(String sessionId, int maxEvents, long maxBytes) {
        this.sessionId = sessionId;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    public String sessionId() {
        return sessionId;
    }

    /** What an offer did. */
    enum Offer {
        QUEUED,
        /** This offer did not fit: the subscriber is cut now. */
        OVERFLOWED,
        /** The subscription had already ended. */
        ENDED
    }

    /** Called by the hub; anything but {@link Offer#QUEUED} means the hub drops the subscriber. */
    Offer offer(Delivery delivery) {
        lock.lock();
        try {
            if (ending != null) {
                return Offer.ENDED;
            }
            if (queue.size() >= maxEvents || bytes + delivery.weight() > maxBytes) {
                queue.clear();
                bytes = 0;
                ending = Ending.OVERFLOW;
                changed.signalAll();
                return Offer.OVERFLOWED;
            }
            queue.addLast(delivery);
            bytes += delivery.weight();
            changed.signal();
            return Offer.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the subscription: the draining thread gets what is queued, then the ending. */
    public void end(Ending why) {
        lock.lock();
        try {
            if (ending == null) {
                ending = why;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves every queued event into {@code into}, waiting up to {@code timeoutNanos} for one. Returns
     * the ending once the queue is empty and the subscription ended, else null.
     */
    Ending drainTo(List<Delivery> into, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (queue.isEmpty() && ending == null && remaining > 0) {
                remaining = changed.awaitNanos(remaining);
            }
            if (ending == Ending.OVERFLOW) {
                return ending;
            }
            // one by one: addAll would copy the queue into a fresh array on every wake-up
            for (Delivery next = queue.pollFirst(); next != null; next = queue.pollFirst()) {
                into.add(next);
            }
            bytes = 0;
            return into.isEmpty() ? ending : null;
        } finally {
            lock.unlock();
        }
    }

    /** Why the subscription ended, or null while it runs. */
    public Ending ending() {
        lock.lock();
        try {
            return ending;
        } finally {
            lock.unlock();
        }
    }
}
