package dev.rewind.protocol.ops;

/**
 * Runs every step of a close sequence whatever an earlier one threw: the first failure is rethrown
 * at the end, each later one kept as suppressed, so one broken step never leaves the rest (the
 * session store's RocksDB above all) open. Errors ({@link Error}) count as failures too.
 */
public final class CloseSteps {

    /** One step of a close sequence. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private CloseSteps() {}

    /** Runs {@code steps} in order; null steps (parts never opened) are skipped. */
    public static void run(Step... steps) {
        Throwable first = null;
        for (Step step : steps) {
            if (step == null) {
                continue;
            }
            try {
                step.run();
            } catch (Throwable t) {
                if (t instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (first == null) {
                    first = t;
                } else if (first != t) {
                    first.addSuppressed(t);
                }
            }
        }
        switch (first) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException("a close step failed: " + first, first);
        }
    }

    /**
     * Undoes a failed start: runs {@code steps} like {@link #run}, keeping any failure of theirs as
     * suppressed by {@code cause}, which the caller then throws.
     */
    public static void afterFailure(Throwable cause, Step... steps) {
        try {
            run(steps);
        } catch (RuntimeException | Error e) {
            cause.addSuppressed(e);
        }
    }

    /** A step that closes {@code closeable} when there is one. */
    public static Step closing(AutoCloseable closeable) {
        return closeable == null ? null : closeable::close;
    }
}
