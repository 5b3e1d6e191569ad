package dev.rewind.ingest.faults;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a background task's exception goes instead of ending the task: a scheduled task that
 * throws is never run again and a loop thread that throws is gone, both without a word. Each
 * failure is logged with the task and what it was doing, and counted in
 * {@code rewind.ingest.task.failures{task}}.
 */
public final class TaskFailures {

    private static final Logger LOG = LoggerFactory.getLogger(TaskFailures.class);

    private final MeterRegistry meters;

    public TaskFailures(MeterRegistry meters) {
        this.meters = meters;
    }

    /** Runs {@code body}; returns false, having logged and counted it, when it threw. */
    public boolean run(String task, String context, Runnable body) {
        try {
            body.run();
            return true;
        } catch (VirtualMachineError e) {
            throw e; // out of memory or stack: nothing sensible can go on here
        } catch (Throwable e) {
            record(task, context, e);
            return false;
        }
    }

    /**
     * After a loop's failure: a pause, so that it does not spin on a broken dependency. False when
     * the thread was interrupted meanwhile (its interrupt flag set again): the loop should stop.
     */
    public static boolean pauseAfterFailure(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Logs and counts a failure of {@code task} while it was doing {@code context}; the task goes on. */
    public void record(String task, String context, Throwable e) {
        Counter.builder("rewind.ingest.task.failures").tag("task", task)
                .description("exceptions a background task caught, logged and survived").register(meters).increment();
        LOG.error("ingest task {} failed while {}; it goes on", task, context, e);
    }
}
