package dev.rewind.ingest.retry;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;

/**
 * One circuit breaker per upstream (resilience4j), so a storm of 503s from one provider stops new
 * calls to it without touching the others.
 */
public final class UpstreamBreakers {

    private final CircuitBreakerRegistry registry;
    private final BreakerSettings settings;

    public UpstreamBreakers(BreakerSettings settings) {
        this.settings = settings;
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRatePercent())
                .waitDurationInOpenState(Duration.ofMillis(settings.openMs()))
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
    }

    public CircuitBreaker forUpstream(String name) {
        return registry.circuitBreaker(name);
    }

    public BreakerSettings settings() {
        return settings;
    }
}
