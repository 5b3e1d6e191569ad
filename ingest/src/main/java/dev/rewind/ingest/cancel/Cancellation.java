package dev.rewind.ingest.cancel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A session's stop request: who asked and why, and a way for a waiting session to wake at once. */
public final class Cancellation {

    private final CountDownLatch cancelled = new CountDownLatch(1);
    private volatile String by;
    private volatile String reason;
    private volatile Runnable onCancel = () -> { };

    /** Runs {@code action} when the session is cancelled (at once if it already is). */
    public void onCancel(Runnable action) {
        this.onCancel = action;
        if (isCancelled()) {
            action.run();
        }
    }

    public void cancel(String by, String reason) {
        if (isCancelled()) {
            return;
        }
        this.by = by;
        this.reason = reason;
        cancelled.countDown();
        onCancel.run();
    }

    public boolean isCancelled() {
        return cancelled.getCount() == 0;
    }

    /** Waits up to {@code millis}; true when the session was cancelled meanwhile (a backoff that a cancel cuts short). */
    public boolean await(long millis) throws InterruptedException {
        return cancelled.await(millis, TimeUnit.MILLISECONDS);
    }

    public String by() {
        return by;
    }

    public String reason() {
        return reason;
    }
}
