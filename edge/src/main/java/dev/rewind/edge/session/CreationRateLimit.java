package dev.rewind.edge.session;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.http.ProblemException;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.Map;

/**
 * Session creations per API key: a resilience4j rate limiter per owner id that never waits, so
 * excess is refused at once with 429 and {@code Retry-After}. Owners are the configured keys
 * only (a request gets here after authentication), so the number of limiters is bounded.
 */
final class CreationRateLimit {

    private final RateLimiterRegistry registry;
    private final long periodMs;

    CreationRateLimit(EdgeConfig.RateLimit config) {
        this.periodMs = config.periodMs();
        this.registry = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(config.sessionsPerPeriod())
                .limitRefreshPeriod(Duration.ofMillis(config.periodMs()))
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    /** Takes one creation from {@code owner}'s allowance, or refuses with 429. */
    void acquire(String owner) {
        RateLimiter limiter = registry.rateLimiter(owner);
        if (!limiter.acquirePermission()) {
            throw new ProblemException(429, "too many sessions created with this API key; retry after the "
                    + "Retry-After seconds", Map.of("Retry-After", Long.toString(retryAfterSeconds(limiter))));
        }
    }

    private long retryAfterSeconds(RateLimiter limiter) {
        long nanos = limiter instanceof AtomicRateLimiter atomic
                ? atomic.getDetailedMetrics().getNanosToWait()
                : periodMs * 1_000_000;
        return Math.max(1, (nanos + 999_999_999) / 1_000_000_000);
    }
}
