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
 * only: it is logged and counted, the other sessions are checked, and the next round runs.
 */
final class Watchdog implements AutoCloseable {

    /** What the watchdog checks. */
    interface Watched {
        String sessionId();

        void checkProgress(long nowNanos);
    }

    private final Supplier<? extends Collection<? extends Watched>> sessions;
    private final TaskFailures failures;
    private final Duration every;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("ingest-watchdog").daemon().factory());

    Watchdog(Supplier<? extends Collection<? extends Watched>> sessions, TaskFailures failures, Duration every) {
        this.sessions = sessions;
        this.failures = failures;
        this.every = every;
    }

    void start() {
        timer.scheduleAtFixedRate(() -> failures.run("watchdog", "listing the running sessions", this::checkAll),
                every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkAll() {
        long now = System.nanoTime();
        for (Watched session : sessions.get()) {
            failures.run("watchdog", "checking session " + session.sessionId(), () -> session.checkProgress(now));
        }
    }

    @Override
    public void close() {
        timer.shutdown();
    }
}
