package dev.rewind.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/** How long to wait before reconnect attempt {@code attempt} (1, 2, …), given the server's {@code retry:} hint (or null). */
@FunctionalInterface
public interface Backoff {

    Duration delay(int attempt, Duration serverHint);

    /** Exponential from {@code base} (the server's hint once known), capped at {@code max}, with equal jitter. */
    static Backoff exponential(Duration base, Duration max) {
        return exponential(base, max, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * Uniformly in [ceiling/2, ceiling], ceiling = min(max, base·2^(attempt−1)): a fleet of clients of a
     * restarted edge spreads out instead of returning in the same millisecond, yet none waits
     * much less than the hint. {@code random} gives values in [0, 1).
     */
    static Backoff exponential(Duration base, Duration max, DoubleSupplier random) {
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= max");
        }
        return (attempt, serverHint) -> {
            long baseMs = serverHint != null && serverHint.toMillis() > 0 ? serverHint.toMillis() : base.toMillis();
            int exponent = Math.min(Math.max(attempt, 1) - 1, 30);
            double ceiling = Math.min(max.toMillis(), baseMs * Math.pow(2, exponent));
            return Duration.ofMillis(Math.round(ceiling / 2 + random.getAsDouble() * ceiling / 2));
        };
    }
}
