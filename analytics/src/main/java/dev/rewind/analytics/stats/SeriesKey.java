package dev.rewind.analytics.stats;

import dev.rewind.protocol.AnalyticsRecord;

/** The key facts are grouped by: one upstream and model, encoded as in {@code rewind.analytics} keys. */
public final class SeriesKey {

    private SeriesKey() {}

    public static String of(String upstream, String model) {
        return AnalyticsRecord.keyPart(upstream) + "|" + AnalyticsRecord.keyPart(model);
    }
}
