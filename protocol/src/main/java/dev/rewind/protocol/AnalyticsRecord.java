package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.rewind.protocol.usage.Cost;
import dev.rewind.protocol.usage.TokenUsage;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A value of the compacted {@code rewind.analytics}, written by the analytics app: the numbers of one
 * upstream and model, either for one one-minute event-time {@link Window} or as a running {@link Total},
 * and what one API key spent on one upstream and model in a one-minute window ({@link KeyWindow}).
 * Keys are {@code window|<upstream>|<model>|<window start>}, {@code total|<upstream>|<model>} and
 * {@code key|<owner>|<upstream>|<model>|<window start>} (see {@link #windowKey}, {@link #totalKey} and
 * {@link #keyWindowKey}); a newer value for a key replaces the older one.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = AnalyticsRecord.Window.class, name = "window"),
    @JsonSubTypes.Type(value = AnalyticsRecord.Total.class, name = "total"),
    @JsonSubTypes.Type(value = AnalyticsRecord.KeyWindow.class, name = "key_window")
})
public sealed interface AnalyticsRecord {

    String upstream();

    String model();

    /** The numbers of one upstream and model: a window or the running total. */
    sealed interface Series extends AnalyticsRecord permits Window, Total {
        SeriesStats stats();
    }

    /**
     * One tumbling one-minute window of event time, [windowStart, windowEnd). It changes until stream
     * time passes {@code finalAfter} (the window end plus the grace period), then never again.
     * {@code throughputTokensPerSecond} is the window's tokens divided by its 60 seconds.
     */
    record Window(
            String upstream,
            String model,
            Instant windowStart,
            Instant windowEnd,
            Instant finalAfter,
            double throughputTokensPerSecond,
            SeriesStats stats)
            implements Series {
        public Window {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(windowStart, "window_start");
            Objects.requireNonNull(windowEnd, "window_end");
            Objects.requireNonNull(stats, "stats");
        }
    }

    /** Everything counted for the upstream and model since the first event the app read. */
    record Total(String upstream, String model, SeriesStats stats) implements Series {
        public Total {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(stats, "stats");
        }
    }

    /**
     * The numbers of a window or a total. Sessions started are counted at their {@code start} event,
     * everything else at the session's terminal event. {@code tokens} are the token events after the
     * last reset (the transcript); {@code discardedTokens} those that a reset threw away.
     * {@code tokensPerSecond} = tokens / generation seconds, where a session's generation time runs
     * from its first token after the last reset to its terminal event (absent when nothing generated).
     */
    record SeriesStats(
            SessionCounts sessions,
            long tokens,
            long discardedTokens,
            long generationMs,
            Double tokensPerSecond,
            Latency ttftMs,
            Latency durationMs,
            long retries,
            long resets,
            List<ErrorCount> topErrors,
            Instant firstEventAt,
            Instant lastEventAt,
            Billing billing) {
        /** Numbers without billing (as every record written before it existed). */
        public SeriesStats(SessionCounts sessions, long tokens, long discardedTokens, long generationMs,
                Double tokensPerSecond, Latency ttftMs, Latency durationMs, long retries, long resets,
                List<ErrorCount> topErrors, Instant firstEventAt, Instant lastEventAt) {
            this(sessions, tokens, discardedTokens, generationMs, tokensPerSecond, ttftMs, durationMs, retries, resets,
                    topErrors, firstEventAt, lastEventAt, null);
        }

        public SeriesStats {
            Objects.requireNonNull(sessions, "sessions");
            Objects.requireNonNull(ttftMs, "ttft_ms");
            Objects.requireNonNull(durationMs, "duration_ms");
            topErrors = topErrors == null ? List.of() : List.copyOf(topErrors);
        }
    }

    /**
     * What the sessions that ended were billed for, every attempt included (the terminal events'
     * {@code total_usage} and {@code cost}), counted at their end. {@code cost} sums the priced
     * sessions and is absent when none was priced; {@code unpricedSessions} had usage but no price,
     * so their cost is unknown and left out (never counted as 0). {@code estimatedSessions} had an
     * attempt whose usage was estimated from its text.
     */
    record Billing(long inputTokens, long outputTokens, long reasoningTokens, long cachedInputTokens,
            long estimatedSessions, long pricedSessions, long unpricedSessions, Cost cost) {
        public static final Billing NONE = new Billing(0, 0, 0, 0, 0, 0, 0, null);

        /** These numbers with one more ended session's usage and cost (either may be null). */
        public Billing plus(TokenUsage usage, Cost sessionCost) {
            if (usage == null) {
                return this;
            }
            boolean priced = sessionCost != null && (cost == null || cost.currency().equals(sessionCost.currency()));
            return new Billing(inputTokens + count(usage.inputTokens()), outputTokens + count(usage.outputTokens()),
                    reasoningTokens + count(usage.reasoningTokens()), cachedInputTokens + count(usage.cachedInputTokens()),
                    estimatedSessions + (usage.estimated() ? 1 : 0), pricedSessions + (priced ? 1 : 0),
                    unpricedSessions + (priced ? 0 : 1), !priced ? cost : cost == null ? sessionCost : cost.plus(sessionCost));
        }

        private static long count(Long tokens) {
            return tokens == null ? 0 : tokens;
        }
    }

    /**
     * What the sessions of API key {@code owner} on one upstream and model that ended in a one-minute
     * event-time window [windowStart, windowEnd) were billed for, from their final summaries in
     * {@code rewind.sessions}. It changes until stream time passes {@code finalAfter}.
     */
    record KeyWindow(String owner, String upstream, String model, Instant windowStart, Instant windowEnd,
            Instant finalAfter, Billing billing) implements AnalyticsRecord {
        public KeyWindow {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(windowStart, "window_start");
            Objects.requireNonNull(windowEnd, "window_end");
            Objects.requireNonNull(billing, "billing");
        }
    }

    /** Sessions started, and sessions ended by outcome. */
    record SessionCounts(long started, long done, long error, long cancelled) {}

    /**
     * A latency distribution in milliseconds from a mergeable histogram (HdrHistogram, 2 significant
     * digits: a percentile is within 1% of the exact value). Percentiles are absent when count is 0.
     */
    record Latency(long count, Long p50, Long p95, Long p99, Long max) {}

    /** How many sessions ended with one error code; the list is ordered by count, then code. */
    record ErrorCount(String code, long count) {}

    /** The key of a window's record: {@code window|<upstream>|<model>|<window start, ISO-8601>}. */
    static String windowKey(String upstream, String model, Instant windowStart) {
        return "window|" + keyPart(upstream) + "|" + keyPart(model) + "|" + windowStart;
    }

    /** The key of a key's window: {@code key|<owner>|<upstream>|<model>|<window start, ISO-8601>}. */
    static String keyWindowKey(String owner, String upstream, String model, Instant windowStart) {
        return "key|" + keyPart(owner) + "|" + keyPart(upstream) + "|" + keyPart(model) + "|" + windowStart;
    }

    /** The key of a running total's record: {@code total|<upstream>|<model>}. */
    static String totalKey(String upstream, String model) {
        return "total|" + keyPart(upstream) + "|" + keyPart(model);
    }

    /** {@code %} and {@code |} are percent-encoded in key parts, so a model name cannot fake another key. */
    static String keyPart(String text) {
        return text.replace("%", "%25").replace("|", "%7C");
    }
}
