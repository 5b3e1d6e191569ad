package dev.rewind.ingest.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this process was frozen (SIGSTOP, a long GC pause, CPU throttling) and holds every
 * chunk write until the worker's consumer has confirmed, after the freeze, that it still owns its
 * partitions. A worker frozen past its session timeout has lost them to another worker, but it
 * learns so only at its next poll: without the fence, a session thread that wakes first would
 * write chunks of an attempt the new owner already replaced.
 *
 * <p>A tick runs every {@code tick}; a gap between two ticks (or between the last tick and a
 * write) longer than {@code threshold} — half the consumer's session timeout, so that any freeze
 * long enough to lose the partitions is seen — raises the fence. Kafka offers no "was I frozen"
 * signal, and a scheduled tick on the monotonic clock is the smallest thing that gives one.
 */
public final class FreezeFence implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FreezeFence.class);

    /** The fence stayed up longer than a write may be held: the session stops without writing. */
    static final class HeldTooLong extends RuntimeException {
        HeldTooLong(Duration held) {
            super("writes held for " + held.toMillis() + " ms after a freeze and the worker's partitions are still unconfirmed");
        }
    }

    private final long thresholdNanos;
    private final Duration tick;
    private final Duration maxHold;
    private final LongSupplier nanoClock;
    private final Counter freezes;
    private final Counter held;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition lifted = lock.newCondition();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("ingest-freeze-tick").daemon().factory());
    private volatile long lastTick;
    private volatile boolean fenced;
    /** Counts the freezes seen: a result that spans a change of it spans a freeze. */
    private volatile long epoch;

    /**
     * @param threshold a gap longer than this is a freeze
     * @param tick how often the tick runs (well below {@code threshold})
     * @param maxHold how long a write waits for the fence to be lifted before its session gives up
     * @param nanoClock the monotonic clock ({@code System::nanoTime}; tests move it)
     */
    public FreezeFence(Duration threshold, Duration tick, Duration maxHold, LongSupplier nanoClock, MeterRegistry meters) {
        this.thresholdNanos = threshold.toNanos();
        this.tick = tick;
        this.maxHold = maxHold;
        this.nanoClock = nanoClock;
        this.lastTick = nanoClock.getAsLong();
        this.freezes = Counter.builder("rewind.ingest.freezes")
                .description("times this worker found it had been frozen longer than half its session timeout").register(meters);
        this.held = Counter.builder("rewind.ingest.freeze.held_writes")
                .description("chunk writes held after a freeze until the worker's partitions were confirmed").register(meters);
        Gauge.builder("rewind.ingest.freeze.fenced", this, fence -> fence.fenced ? 1 : 0)
                .description("1 while chunk writes are held after a freeze").register(meters);
    }

    /** Starts the tick. */
    public void start() {
        ticker.scheduleAtFixedRate(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One tick: raises the fence if the last one was too long ago. Never throws (a scheduled task that throws stops). */
    void tick() {
        long now = nanoClock.getAsLong();
        noticeGap(now);
        lastTick = now;
    }

    private void noticeGap(long now) {
        long gap = now - lastTick;
        if (gap <= thresholdNanos || fenced) {
            return;
        }
        lock.lock();
        try {
            if (!fenced) {
                fenced = true; // before lastTick moves on, so a writer that sees the new tick sees the fence too
                epoch++;
                freezes.increment();
                LOG.warn("ingest worker was frozen for about {} ms (more than {} ms); chunk writes are held until its "
                        + "consumer confirms its partitions", TimeUnit.NANOSECONDS.toMillis(gap),
                        TimeUnit.NANOSECONDS.toMillis(thresholdNanos));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether writes are held now (a gap this thread sees itself counts, before the tick has run). */
    public boolean fenced() {
        if (!fenced) {
            noticeGap(nanoClock.getAsLong());
        }
        return fenced;
    }

    /** The number of freezes seen so far. */
    public long epoch() {
        return epoch;
    }

    /**
     * Returns at once unless the fence is up; then waits until it is lifted.
     *
     * @throws HeldTooLong when it stays up longer than {@code maxHold}
     * @throws InterruptedException when the session is stopped meanwhile (its partition was lost)
     */
    void awaitLifted() throws InterruptedException {
        if (!fenced()) {
            return;
        }
        held.increment();
        long left = maxHold.toNanos();
        lock.lock();
        try {
            while (fenced) {
                if (left <= 0) {
                    throw new HeldTooLong(maxHold);
                }
                left = lifted.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The consumer showed, by an exchange with its group coordinator that began after the fence went
     * up (a commit it made, or a rebalance it took part in), that it still owns what it was not told
     * it lost: writes of the freezes up to {@code seenEpoch} go on. A freeze after that stays fenced.
     */
    public void lift(long seenEpoch, String how) {
        lock.lock();
        try {
            if (fenced && epoch == seenEpoch) {
                fenced = false;
                lastTick = nanoClock.getAsLong();
                LOG.info("freeze fence lifted: {}; held chunk writes go on", how);
                lifted.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
