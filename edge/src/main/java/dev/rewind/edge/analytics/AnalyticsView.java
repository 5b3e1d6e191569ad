package dev.rewind.edge.analytics;

import dev.rewind.protocol.AnalyticsRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The latest value of every recent key of {@code rewind.analytics}, grouped by series: windows
 * that started within the horizon and the running total. Bounded: windows older than the horizon
 * are dropped, each series keeps at most one window per minute of the horizon, and at most
 * {@code max_series} series are kept (the one whose records are oldest goes first). Thread-safe.
 */
final class AnalyticsView {

    /** What one series looks like at a moment: its total (null if none yet) and windows in start order. */
    record SeriesView(AnalyticsKey.Series series, Instant updatedAt, AnalyticsRecord.Total total,
            List<AnalyticsRecord.Window> windows) {}

    private static final class SeriesState {
        AnalyticsRecord.Total total;
        final NavigableMap<Instant, AnalyticsRecord.Window> windows = new TreeMap<>();
        long updatedAtMs;

        boolean isEmpty() {
            return total == null && windows.isEmpty();
        }
    }

    private final long horizonMs;
    private final int maxSeries;
    private final int maxWindowsPerSeries;
    private final Map<AnalyticsKey.Series, SeriesState> series = new HashMap<>();
    private long evicted;

    AnalyticsView(long horizonMs, int maxSeries) {
        this.horizonMs = horizonMs;
        this.maxSeries = maxSeries;
        this.maxWindowsPerSeries = (int) (horizonMs / 60_000) + 2;
    }

    /** True when a window starting at {@code windowStart} is too old to keep at {@code nowMs}. */
    boolean tooOld(Instant windowStart, long nowMs) {
        return windowStart.toEpochMilli() < nowMs - horizonMs;
    }

    /**
     * Takes the record of {@code key} written at {@code timestampMs} (its Kafka timestamp): a newer
     * value replaces the older one, null deletes the key. Values whose upstream and model differ
     * from the key's are filed under the value's (the app writes them equal).
     */
    synchronized void apply(AnalyticsKey key, AnalyticsRecord value, long timestampMs, long nowMs) {
        if (value == null) {
            SeriesState state = series.get(key.series());
            if (state != null) {
                if (key.isWindow()) {
                    state.windows.remove(key.windowStart());
                } else {
                    state.total = null;
                }
                if (state.isEmpty()) {
                    series.remove(key.series());
                }
            }
            return;
        }
        if (!(value instanceof AnalyticsRecord.Series seriesRecord)) {
            return; // one API key's billing is no series' (the feed skips those keys anyway)
        }
        if (value instanceof AnalyticsRecord.Window window && tooOld(window.windowStart(), nowMs)) {
            return;
        }
        AnalyticsKey.Series name = new AnalyticsKey.Series(value.upstream(), value.model());
        SeriesState state = series.get(name);
        if (state == null) {
            if (series.size() >= maxSeries && !evictOlderThan(timestampMs)) {
                evicted++;
                return; // every kept series is more recent than this one
            }
            state = new SeriesState();
            series.put(name, state);
        }
        state.updatedAtMs = Math.max(state.updatedAtMs, timestampMs);
        switch (seriesRecord) {
            case AnalyticsRecord.Total total -> state.total = total;
            case AnalyticsRecord.Window window -> {
                state.windows.put(window.windowStart(), window);
                while (state.windows.size() > maxWindowsPerSeries) {
                    state.windows.pollFirstEntry();
                }
            }
        }
    }

    /** Drops windows older than the horizon, and series left with nothing. */
    synchronized void prune(long nowMs) {
        Instant oldest = Instant.ofEpochMilli(nowMs - horizonMs);
        series.values().forEach(state -> state.windows.headMap(oldest, false).clear());
        series.values().removeIf(SeriesState::isEmpty);
    }

    /**
     * The series matching {@code upstream} and {@code model} (null: any), each with its total and the
     * windows that end after {@code since}, ordered by upstream and model.
     */
    synchronized List<SeriesView> select(String upstream, String model, Instant since) {
        List<SeriesView> selected = new ArrayList<>();
        series.forEach((name, state) -> {
            if ((upstream == null || upstream.equals(name.upstream())) && (model == null || model.equals(name.model()))) {
                List<AnalyticsRecord.Window> windows = new ArrayList<>();
                for (AnalyticsRecord.Window window : state.windows.values()) {
                    if (window.windowEnd().isAfter(since)) {
                        windows.add(window);
                    }
                }
                selected.add(new SeriesView(name, Instant.ofEpochMilli(state.updatedAtMs), state.total, windows));
            }
        });
        selected.sort(Comparator.comparing(SeriesView::series));
        return selected;
    }

    /** Series dropped (or never kept) because {@code max_series} more recent ones were. */
    synchronized long evicted() {
        return evicted;
    }

    synchronized int seriesCount() {
        return series.size();
    }

    /** Makes room by dropping the series updated longest ago, if that is older than {@code timestampMs}. */
    private boolean evictOlderThan(long timestampMs) {
        Map.Entry<AnalyticsKey.Series, SeriesState> oldest = null;
        for (Map.Entry<AnalyticsKey.Series, SeriesState> entry : series.entrySet()) {
            if (oldest == null || entry.getValue().updatedAtMs < oldest.getValue().updatedAtMs) {
                oldest = entry;
            }
        }
        if (oldest == null || oldest.getValue().updatedAtMs > timestampMs) {
            return false;
        }
        series.remove(oldest.getKey());
        evicted++;
        return true;
    }
}
