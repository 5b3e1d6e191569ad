package dev.rewind.ingest.retry;

import io.github.resilience4j.core.IntervalFunction;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Decides whether a failed attempt is retried and how long to wait: resilience4j's exponential
 * random backoff (capped per wait), or the upstream's {@code retry-after-ms} / {@code Retry-After}
 * (delta-seconds or an HTTP date) up to the ceiling.
 */
public final class UpstreamRetryPolicy {

    /** Statuses that say "try again": timeouts, conflicts, rate limits, overload and server errors. */
    public static final Set<Integer> RETRYABLE_STATUSES = Set.of(408, 409, 429, 500, 502, 503, 504, 529);

    private final RetrySettings settings;
    private final IntervalFunction backoff;

    public UpstreamRetryPolicy(RetrySettings settings) {
        this.settings = settings;
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(settings.initialBackoffMs(),
                settings.backoffMultiplier(), settings.jitter(), settings.maxBackoffMs());
    }

    public RetrySettings settings() {
        return settings;
    }

    /** The wait before attempt {@code failedAttempt + 1}: the upstream's hint when it gave one, else backoff. */
    public long delayMs(int failedAttempt, OptionalLong retryAfterMs) {
        if (retryAfterMs.isPresent()) {
            return Math.min(retryAfterMs.getAsLong(), settings.retryAfterCeilingMs());
        }
        return Math.min(backoff.apply(failedAttempt), settings.maxBackoffMs());
    }

    /** {@code retry-after-ms} (OpenAI, Azure) wins over {@code Retry-After} in seconds or as an HTTP date. */
    public static OptionalLong retryAfterMs(HttpHeaders headers, Instant now) {
        Optional<String> millis = headers.firstValue("retry-after-ms");
        if (millis.isPresent()) {
            try {
                return OptionalLong.of(Math.max(0, (long) Double.parseDouble(millis.get().strip())));
            } catch (NumberFormatException e) {
                // fall through to Retry-After
            }
        }
        Optional<String> after = headers.firstValue("retry-after");
        if (after.isEmpty()) {
            return OptionalLong.empty();
        }
        String value = after.get().strip();
        try {
            return OptionalLong.of(Math.max(0, (long) (Double.parseDouble(value) * 1000)));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return OptionalLong.of(Math.max(0, at.toEpochMilli() - now.toEpochMilli()));
            } catch (DateTimeParseException unparseable) {
                return OptionalLong.empty();
            }
        }
    }
}
