package dev.rewind.ingest.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.ingest.faults.TaskFailures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WatchdogTest {

    /** A session whose check throws, every time. */
    private record Throwing(String sessionId) implements Watchdog.Watched {
        @Override
        public void checkProgress(long nowNanos) {
            throw new IllegalStateException("a bug in one session's check");
        }
    }

    private record Counting(String sessionId, AtomicInteger checks) implements Watchdog.Watched {
        @Override
        public void checkProgress(long nowNanos) {
            checks.incrementAndGet();
        }
    }

    @Test
    void goesOnCheckingEverySessionRoundAfterRoundWhenOneCheckThrows() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AtomicInteger checks = new AtomicInteger();
        List<Watchdog.Watched> sessions = List.of(new Throwing("s_throws"), new Counting("s_fine", checks));
        try (Watchdog watchdog = new Watchdog(() -> sessions, new TaskFailures(meters), Duration.ofMillis(20),
                new FreezeFence(Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(1), System::nanoTime, meters))) {
            watchdog.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() >= 5);
        }
        assertThat(meters.get("rewind.ingest.task.failures").tag("task", "watchdog").counter().count()).isGreaterThanOrEqualTo(4);
    }
}
