package dev.rewind.edge.analytics;

import dev.rewind.protocol.config.ConfigException;
import java.util.List;

/**
 * The edge's view of {@code rewind.analytics} behind {@code GET /v1/analytics}: whether it runs,
 * which API key ids may read it ({@code reader_keys}; empty: every API key), how far back windows
 * are kept ({@code horizon_ms}), what a request without {@code since} answers ({@code default_range_ms})
 * and how many (upstream, model) series are kept ({@code max_series}).
 */
public record AnalyticsSettings(boolean enabled, List<String> readerKeys, long horizonMs, long defaultRangeMs, int maxSeries) {

    public AnalyticsSettings {
        readerKeys = readerKeys == null ? List.of() : List.copyOf(readerKeys);
        readerKeys.forEach(id -> ConfigException.check(id != null && !id.isBlank(), "reader_keys",
                "entries are API key ids (the ids of auth.api_keys), not empty"));
        ConfigException.check(horizonMs >= 120_000, "horizon_ms", "must be at least 120000 (two windows)");
        ConfigException.check(defaultRangeMs >= 60_000 && defaultRangeMs <= horizonMs, "default_range_ms",
                "must be 60000..horizon_ms");
        ConfigException.check(maxSeries >= 1, "max_series", "must be at least 1");
    }
}
