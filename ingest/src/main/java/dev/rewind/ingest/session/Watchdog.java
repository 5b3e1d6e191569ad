package dev.rewind.ingest.session;

import dev.rewind.ingest.faults.TaskFailures;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A worker's watchdog: at a fixed rate, asks every running session to check its progress (stalls,
 * the duration limit, Kafka refusing its chunks). A check that throws costs that session's check
 * only: it is logged and counted, the other sessions are checked, and the next round runs. No
 * verdict is given across a freeze of this process ({@link FreezeFence}).
 */
final class Watchdog implements AutoCloseable {

    /** What the watchdog checks. */
    interface Watched {
        String sessionId();

        void checkProgress(long nowNanos);

        /** This process was frozen: time that passed meanwhile is no sign of a stall. */
        default void resumedAfterFreeze(long nowNanos) {}
    }

    private final Supplier<? extends Collection<? extends Watched>> sessions;
    private final TaskFailures failures;
    private final Duration every;
    private final FreezeFence fence;
    /** The freezes seen by the last round (only the timer thread touches it). */
    private long freezesSeen;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("ingest-watchdog").daemon().factory());

    Watchdog(Supplier<? extends Collection<? extends Watched>> sessions, TaskFailures failures, Duration every,
            FreezeFence fence) {
        this.sessions = sessions;
        this.fence = fence;
        this.failures = failures;
        this.every = every;
    }

    void start() {
        timer.scheduleAtFixedRate(() -> failures.run("watchdog", "listing the running sessions", this::checkAll),
                every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkAll() {
        long now = System.nanoTime();
        if (fence.fenced() || fence.epoch() != freezesSeen) {
            // a round right after a freeze would call every session stalled (and count it against its upstream)
            freezesSeen = fence.epoch();
            for (Watched session : sessions.get()) {
                session.resumedAfterFreeze(now);
            }
            return;
        }
        for (Watched session : sessions.get()) {
            failures.run("watchdog", "checking session " + session.sessionId(), () -> session.checkProgress(now));
        }
    }

    @Override
    public void close() {
        timer.shutdown();
    }
}
