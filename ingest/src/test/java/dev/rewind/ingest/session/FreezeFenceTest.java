package dev.rewind.ingest.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The fence on a clock the test moves: a freeze is a jump of the monotonic clock between two ticks. */
class FreezeFenceTest {

    private static final Duration THRESHOLD = Duration.ofSeconds(5);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private FreezeFence fence(Duration maxHold) {
        return new FreezeFence(THRESHOLD, Duration.ofMillis(100), maxHold, clock::get, meters);
    }

    private void pass(Duration time) {
        clock.addAndGet(time.toNanos());
    }

    /** A writer on its own thread: completes when its write was let through, or with what stopped it. */
    private static CompletableFuture<Void> write(FreezeFence fence, AtomicReference<Thread> thread) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        thread.set(Thread.ofVirtual().start(() -> {
            try {
                fence.awaitLifted();
                written.complete(null);
            } catch (Throwable e) {
                written.completeExceptionally(e);
            }
        }));
        return written;
    }

    @Test
    void aGapLongerThanTheThresholdHoldsEveryWriteUntilOwnershipIsConfirmed() {
        try (FreezeFence fence = fence(Duration.ofSeconds(30))) {
            fence.tick();
            pass(Duration.ofSeconds(6)); // frozen: no tick ran for 6 s
            AtomicReference<Thread> writer = new AtomicReference<>();
            CompletableFuture<Void> written = write(fence, writer);

            await().atMost(Duration.ofSeconds(10)).until(() -> writer.get().getState() == Thread.State.TIMED_WAITING);
            assertThat(written).isNotDone();
            assertThat(fence.fenced()).isTrue();
            assertThat(meters.get("rewind.ingest.freezes").counter().count()).isEqualTo(1);
            assertThat(meters.get("rewind.ingest.freeze.fenced").gauge().value()).isEqualTo(1);

            fence.lift(fence.epoch(), "confirmed by the test");
            await().atMost(Duration.ofSeconds(10)).until(written::isDone);
            assertThat(written).isCompleted();
            assertThat(meters.get("rewind.ingest.freeze.held_writes").counter().count()).isEqualTo(1);
            assertThat(meters.get("rewind.ingest.freeze.fenced").gauge().value()).isZero();
        }
    }

    @Test
    void aWriterThatWakesBeforeTheTickSeesTheGapItself() throws Exception {
        try (FreezeFence fence = fence(Duration.ofSeconds(30))) {
            fence.tick();
            pass(Duration.ofSeconds(6));
            assertThat(fence.fenced()).as("the tick has not run since the freeze").isTrue();
        }
    }

    @Test
    void gapsShorterThanTheThresholdHoldNothing() throws Exception {
        try (FreezeFence fence = fence(Duration.ofSeconds(30))) {
            for (int i = 0; i < 10; i++) {
                pass(Duration.ofSeconds(4));
                fence.tick();
            }
            fence.awaitLifted(); // returns at once
            assertThat(fence.fenced()).isFalse();
            assertThat(fence.epoch()).isZero();
        }
    }

    @Test
    void aConfirmationOfAnEarlierFreezeDoesNotLiftALaterOne() {
        try (FreezeFence fence = fence(Duration.ofSeconds(30))) {
            pass(Duration.ofSeconds(6));
            fence.tick();
            long first = fence.epoch();
            fence.lift(first, "the first freeze confirmed");
            pass(Duration.ofSeconds(6));
            fence.tick();
            fence.lift(first, "a commit that began before the second freeze");
            assertThat(fence.fenced()).isTrue();
            fence.lift(fence.epoch(), "the second freeze confirmed");
            assertThat(fence.fenced()).isFalse();
        }
    }

    @Test
    void aWriteOfALostPartitionIsStoppedByItsInterruptAndWritesNothing() {
        try (FreezeFence fence = fence(Duration.ofSeconds(30))) {
            pass(Duration.ofSeconds(6));
            AtomicReference<Thread> writer = new AtomicReference<>();
            CompletableFuture<Void> written = write(fence, writer);
            await().atMost(Duration.ofSeconds(10)).until(() -> writer.get().getState() == Thread.State.TIMED_WAITING);
            writer.get().interrupt(); // what abandoning the session does
            await().atMost(Duration.ofSeconds(10)).until(written::isDone);
            assertThat(written).isCompletedExceptionally();
            assertThat(written.exceptionNow()).isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void aWriteHeldLongerThanItsBoundGivesUp() {
        try (FreezeFence fence = fence(Duration.ofMillis(200))) {
            pass(Duration.ofSeconds(6));
            assertThatThrownBy(fence::awaitLifted).isInstanceOf(FreezeFence.HeldTooLong.class);
        }
    }
}
