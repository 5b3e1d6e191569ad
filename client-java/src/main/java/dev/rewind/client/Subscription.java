package dev.rewind.client;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A running {@link RewindClient#subscribe}: close it to stop following. */
public final class Subscription implements AutoCloseable {

    private final EventFollower follower;
    private final CountDownLatch finished;

    Subscription(EventFollower follower, CountDownLatch finished) {
        this.follower = follower;
        this.finished = finished;
    }

    /** Waits until the listener got its last call ({@code onEnd} or {@code onError}) or the subscription was closed. */
    public boolean await(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The SSE id of the last event delivered: where to resume later. */
    public String lastEventId() {
        return follower.lastEventId();
    }

    /** Stops following; generation goes on (use {@link RewindClient#cancel} to stop it). */
    @Override
    public void close() {
        follower.close();
    }
}
