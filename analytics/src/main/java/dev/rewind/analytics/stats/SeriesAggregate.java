package dev.rewind.analytics.stats;

import dev.rewind.analytics.session.SessionFact;
import dev.rewind.protocol.AnalyticsRecord;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The running numbers of one upstream and model, over a window or over everything: what the window
 * and total stores hold. Every number is a sum, a min/max or a histogram, so the result does not
 * depend on the order facts arrive in (facts of different partitions interleave differently in a
 * replay), except which codes fill the last of {@code maxErrorCodes} places.
 */
public record SeriesAggregate(
        String upstream,
        String model,
        long started,
        long done,
        long error,
        long cancelled,
        long tokens,
        long discardedTokens,
        long generationMs,
        long retries,
        long resets,
        String ttftHistogram,
        Long ttftMaxMs,
        String durationHistogram,
        Long durationMaxMs,
        TreeMap<String, Long> errorCodes,
        Long firstEventAt,
        Long lastEventAt,
        AnalyticsRecord.Billing billing) {

    /** Error codes beyond the bound are counted under this one. */
    public static final String OTHER_ERRORS = "other";

    public SeriesAggregate {
        errorCodes = errorCodes == null ? new TreeMap<>() : new TreeMap<>(errorCodes);
        billing = billing == null ? AnalyticsRecord.Billing.NONE : billing; // stored before billing existed
    }

    public static SeriesAggregate empty() {
        return new SeriesAggregate(null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, null, null);
    }

    public SeriesAggregate add(SessionFact fact, int maxErrorCodes) {
        Long first = firstEventAt == null ? fact.at() : Math.min(firstEventAt, fact.at());
        Long last = lastEventAt == null ? fact.at() : Math.max(lastEventAt, fact.at());
        return switch (fact) {
            case SessionFact.Started s -> new SeriesAggregate(s.upstream(), s.model(), started + 1, done, error,
                    cancelled, tokens, discardedTokens, generationMs, retries, resets, ttftHistogram, ttftMaxMs,
                    durationHistogram, durationMaxMs, errorCodes, first, last, billing);
            case SessionFact.Finished f -> new SeriesAggregate(f.upstream(), f.model(), started,
                    done + (f.outcome() == SessionFact.Outcome.DONE ? 1 : 0),
                    error + (f.outcome() == SessionFact.Outcome.ERROR ? 1 : 0),
                    cancelled + (f.outcome() == SessionFact.Outcome.CANCELLED ? 1 : 0),
                    tokens + f.tokens(), discardedTokens + f.discardedTokens(),
                    generationMs + (f.generationMs() == null ? 0 : f.generationMs()),
                    retries + f.retries(), resets + f.resets(),
                    f.ttftMs() == null ? ttftHistogram : LatencyHistogram.record(ttftHistogram, f.ttftMs()),
                    f.ttftMs() == null ? ttftMaxMs : LatencyHistogram.max(ttftMaxMs, f.ttftMs()),
                    LatencyHistogram.record(durationHistogram, f.durationMs()),
                    LatencyHistogram.max(durationMaxMs, f.durationMs()),
                    f.errorCode() == null ? errorCodes : countError(f.errorCode(), maxErrorCodes), first, last,
                    billing.plus(f.usage(), f.cost()));
        };
    }

    private TreeMap<String, Long> countError(String code, int maxErrorCodes) {
        TreeMap<String, Long> counted = new TreeMap<>(errorCodes);
        String key = counted.containsKey(code) || counted.size() < maxErrorCodes ? code : OTHER_ERRORS;
        counted.merge(key, 1L, Long::sum);
        return counted;
    }

    public AnalyticsRecord.SeriesStats stats() {
        List<AnalyticsRecord.ErrorCount> topErrors = errorCodes.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .map(e -> new AnalyticsRecord.ErrorCount(e.getKey(), e.getValue()))
                .toList();
        Double tokensPerSecond = generationMs == 0 ? null : tokens * 1000.0 / generationMs;
        return new AnalyticsRecord.SeriesStats(new AnalyticsRecord.SessionCounts(started, done, error, cancelled),
                tokens, discardedTokens, generationMs, tokensPerSecond, LatencyHistogram.summarize(ttftHistogram, ttftMaxMs),
                LatencyHistogram.summarize(durationHistogram, durationMaxMs), retries, resets, topErrors, instant(firstEventAt),
                instant(lastEventAt), billing);
    }

    private static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }
}
