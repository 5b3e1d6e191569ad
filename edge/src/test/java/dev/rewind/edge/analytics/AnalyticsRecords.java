package dev.rewind.edge.analytics;

import dev.rewind.protocol.AnalyticsRecord;
import java.time.Instant;
import java.util.List;

/** Analytics records as the analytics app writes them, with a few numbers a test can tell apart. */
final class AnalyticsRecords {

    private AnalyticsRecords() {}

    static AnalyticsRecord.SeriesStats stats(long started, long tokens) {
        return new AnalyticsRecord.SeriesStats(new AnalyticsRecord.SessionCounts(started, started, 0, 0), tokens, 0,
                1000, tokens / 1.0, new AnalyticsRecord.Latency(started, 150L, 300L, 310L, 310L),
                new AnalyticsRecord.Latency(started, 2400L, 4100L, 4100L, 4100L), 1, 0,
                List.of(new AnalyticsRecord.ErrorCount("upstream_bad_request", 1)), null, null);
    }

    /** The one-minute window starting at {@code start} (a whole minute). */
    static AnalyticsRecord.Window window(String upstream, String model, Instant start, long tokens) {
        return new AnalyticsRecord.Window(upstream, model, start, start.plusSeconds(60), start.plusSeconds(660),
                tokens / 60.0, stats(1, tokens));
    }

    static AnalyticsRecord.Total total(String upstream, String model, long tokens) {
        return new AnalyticsRecord.Total(upstream, model, stats(5, tokens));
    }

    static String key(AnalyticsRecord record) {
        return switch (record) {
            case AnalyticsRecord.Window w -> AnalyticsRecord.windowKey(w.upstream(), w.model(), w.windowStart());
            case AnalyticsRecord.Total t -> AnalyticsRecord.totalKey(t.upstream(), t.model());
            case AnalyticsRecord.KeyWindow k -> AnalyticsRecord.keyWindowKey(k.owner(), k.upstream(), k.model(), k.windowStart());
        };
    }

    static AnalyticsKey parsedKey(AnalyticsRecord record) {
        return AnalyticsKey.parse(key(record)).orElseThrow();
    }
}
