package dev.rewind.edge.analytics;

import static dev.rewind.edge.analytics.AnalyticsRecords.parsedKey;
import static dev.rewind.edge.analytics.AnalyticsRecords.total;
import static dev.rewind.edge.analytics.AnalyticsRecords.window;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.AnalyticsRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory view of rewind.analytics: latest value per key, bounded by horizon and series count. */
class AnalyticsViewTest {

    private static final long HORIZON_MS = 2 * 3600_000;
    private final Instant now = Instant.parse("2026-12-01T10:00:30Z");
    private final Instant minute = now.truncatedTo(ChronoUnit.MINUTES);

    @Test
    void aNewerValueReplacesTheOlderOneAndANullDeletesTheKey() {
        AnalyticsView view = new AnalyticsView(HORIZON_MS, 10);
        AnalyticsRecord.Window first = window("sim", "m", minute, 10);
        AnalyticsRecord.Window updated = window("sim", "m", minute, 25);
        apply(view, first, 1);
        apply(view, updated, 2);
        apply(view, total("sim", "m", 100), 3);

        AnalyticsView.SeriesView series = only(view.select(null, null, minute.minusSeconds(3600)));
        assertThat(series.windows()).containsExactly(updated);
        assertThat(series.total().stats().tokens()).isEqualTo(100);

        view.apply(parsedKey(updated), null, 4, now.toEpochMilli());
        assertThat(only(view.select(null, null, minute.minusSeconds(3600))).windows()).isEmpty();
        view.apply(parsedKey(total("sim", "m", 0)), null, 5, now.toEpochMilli());
        assertThat(view.select(null, null, minute.minusSeconds(3600))).isEmpty();
        assertThat(view.seriesCount()).isZero();
    }

    @Test
    void keepsWindowsWithinTheHorizonAndSelectsThoseEndingAfterSince() {
        AnalyticsView view = new AnalyticsView(HORIZON_MS, 10);
        apply(view, window("sim", "m", minute.minus(3, ChronoUnit.HOURS), 1), 1);
        AnalyticsRecord.Window ninety = window("sim", "m", minute.minusSeconds(90 * 60), 2);
        AnalyticsRecord.Window ten = window("sim", "m", minute.minusSeconds(10 * 60), 3);
        AnalyticsRecord.Window nine = window("sim", "m", minute.minusSeconds(9 * 60), 4);
        apply(view, nine, 2);
        apply(view, ninety, 3);
        apply(view, ten, 4);

        assertThat(only(view.select(null, null, now.minus(HORIZON_MS, ChronoUnit.MILLIS))).windows())
                .as("the window older than the horizon was never kept; the rest in start order")
                .containsExactly(ninety, ten, nine);
        // since in the middle of a window still shows that window (it ends after since)
        assertThat(only(view.select(null, null, ten.windowStart().plusSeconds(30))).windows()).containsExactly(ten, nine);

        view.prune(now.plus(100, ChronoUnit.MINUTES).toEpochMilli());
        assertThat(only(view.select(null, null, Instant.EPOCH)).windows()).as("20 minutes before now and newer").containsExactly(ten, nine);
        view.prune(now.plus(200, ChronoUnit.MINUTES).toEpochMilli());
        assertThat(view.select(null, null, Instant.EPOCH)).as("a series left with nothing is gone").isEmpty();
    }

    @Test
    void filtersByUpstreamAndModelAndOrdersTheSeries() {
        AnalyticsView view = new AnalyticsView(HORIZON_MS, 10);
        apply(view, total("sim", "b", 1), 1);
        apply(view, total("sim", "a", 1), 1);
        apply(view, total("other", "a", 1), 1);

        assertThat(view.select(null, null, minute).stream().map(s -> s.series().upstream() + "/" + s.series().model()))
                .containsExactly("other/a", "sim/a", "sim/b");
        assertThat(view.select("sim", null, minute)).hasSize(2);
        assertThat(view.select(null, "a", minute)).hasSize(2);
        assertThat(only(view.select("sim", "b", minute)).series().model()).isEqualTo("b");
        assertThat(view.select("nope", null, minute)).isEmpty();
    }

    @Test
    void keepsAtMostMaxSeriesDroppingTheLeastRecentlyWritten() {
        AnalyticsView view = new AnalyticsView(HORIZON_MS, 2);
        apply(view, total("sim", "old", 1), 100);
        apply(view, total("sim", "mid", 1), 200);
        apply(view, total("sim", "new", 1), 300);
        assertThat(view.select(null, null, minute).stream().map(s -> s.series().model())).containsExactly("mid", "new");
        // a record older than every kept series does not push a newer one out
        apply(view, total("sim", "ancient", 1), 50);
        assertThat(view.select(null, null, minute).stream().map(s -> s.series().model())).containsExactly("mid", "new");
        assertThat(view.evicted()).isEqualTo(2);
        assertThat(view.seriesCount()).isEqualTo(2);
    }

    @Test
    void keysAreParsedWithTheirPercentEncodedParts() {
        AnalyticsKey window = parsedKey(window("up|stream", "50%|model", minute, 1));
        assertThat(window.upstream()).isEqualTo("up|stream");
        assertThat(window.model()).isEqualTo("50%|model");
        assertThat(window.windowStart()).isEqualTo(minute);
        assertThat(parsedKey(total("sim", "%7C", 1)).model()).isEqualTo("%7C");
        assertThat(AnalyticsKey.parse("window|sim|m|not-a-time")).isEmpty();
        assertThat(AnalyticsKey.parse("other|sim|m")).isEmpty();
        assertThat(AnalyticsKey.parse(null)).isEmpty();
    }

    private void apply(AnalyticsView view, AnalyticsRecord record, long timestampMs) {
        view.apply(parsedKey(record), record, timestampMs, now.toEpochMilli());
    }

    private static AnalyticsView.SeriesView only(List<AnalyticsView.SeriesView> selected) {
        assertThat(selected).hasSize(1);
        return selected.getFirst();
    }
}
