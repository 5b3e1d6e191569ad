package dev.rewind.ingest.retry;

import dev.rewind.protocol.config.ConfigException;

/**
 * How a session retries its upstream: exponential backoff with jitter, each wait capped; the
 * upstream's Retry-After honoured up to a ceiling; bounded by attempts and by a total time budget.
 * {@code afterOutput} decides a failure after bytes have flowed: {@code retry} starts a new attempt
 * (clients get a {@code reset}), {@code fail} ends the session with a retryable error.
 */
public record RetrySettings(
        int maxAttempts,
        long initialBackoffMs,
        double backoffMultiplier,
        double jitter,
        long maxBackoffMs,
        long retryAfterCeilingMs,
        long totalBudgetMs,
        AfterOutput afterOutput) {

    public enum AfterOutput {
        RETRY,
        FAIL;

        @com.fasterxml.jackson.annotation.JsonCreator
        static AfterOutput of(String value) {
            return switch (value) {
                case "retry" -> RETRY;
                case "fail" -> FAIL;
                default -> throw new IllegalArgumentException("must be retry or fail, was " + value);
            };
        }
    }

    public RetrySettings {
        ConfigException.check(maxAttempts >= 1 && maxAttempts <= 20, "max_attempts", "must be 1..20");
        ConfigException.check(initialBackoffMs >= 1, "initial_backoff_ms", "must be at least 1");
        ConfigException.check(backoffMultiplier >= 1.0, "backoff_multiplier", "must be at least 1.0");
        ConfigException.check(jitter >= 0 && jitter < 1, "jitter", "must be at least 0 and below 1");
        ConfigException.check(maxBackoffMs >= initialBackoffMs && maxBackoffMs <= 30_000, "max_backoff_ms",
                "must be between initial_backoff_ms and 30000 (no wait is longer than 30 s)");
        ConfigException.check(retryAfterCeilingMs >= 0 && retryAfterCeilingMs <= 30_000, "retry_after_ceiling_ms",
                "must be 0..30000 (no wait is longer than 30 s)");
        ConfigException.check(totalBudgetMs >= 1000, "total_budget_ms", "must be at least 1000");
        ConfigException.check(afterOutput != null, "after_output", "must be retry or fail");
    }
}
