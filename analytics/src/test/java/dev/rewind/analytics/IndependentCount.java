package dev.rewind.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.TokenEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The numbers the analytics app must produce, computed the plain way from the events themselves:
 * each session replayed on its own, exact percentiles from sorted lists. Written apart from the app's
 * code on purpose, so that the tests compare two computations.
 */
final class IndependentCount {

    /** The expected numbers of one window or total. */
    static final class Expected {
        long started;
        long done;
        long error;
        long cancelled;
        long tokens;
        long discarded;
        long generationMs;
        long retries;
        long resets;
        final List<Long> ttfts = new ArrayList<>();
        final List<Long> durations = new ArrayList<>();
        final Map<String, Long> errors = new TreeMap<>();
    }

    private IndependentCount() {}

    /** Expected values by rewind.analytics key, windows and totals alike. */
    static Map<String, Expected> of(List<TimedEvent> events) {
        Map<String, List<TimedEvent>> bySession = new LinkedHashMap<>();
        events.forEach(e -> bySession.computeIfAbsent(e.sessionId(), id -> new ArrayList<>()).add(e));
        Map<String, Expected> expected = new TreeMap<>();
        for (List<TimedEvent> session : bySession.values()) {
            if (!(session.getFirst().event() instanceof TokenEvent.Start start)) {
                continue;
            }
            long startAt = session.getFirst().timestamp();
            for (Expected e : targets(expected, start, startAt)) {
                e.started++;
            }
            TimedEvent last = session.getLast();
            if (!last.event().isTerminal()) {
                continue;
            }
            long tokens = 0;
            long discarded = 0;
            long retries = 0;
            long resets = 0;
            Long firstOutput = null;
            Long firstToken = null;
            for (TimedEvent timed : session) {
                switch (timed.event()) {
                    case TokenEvent.Token t -> {
                        tokens++;
                        firstToken = firstToken == null ? timed.timestamp() : firstToken;
                        firstOutput = firstOutput == null ? timed.timestamp() : firstOutput;
                    }
                    case TokenEvent.Reasoning r -> firstOutput = firstOutput == null ? timed.timestamp() : firstOutput;
                    case TokenEvent.Refusal r -> firstOutput = firstOutput == null ? timed.timestamp() : firstOutput;
                    case TokenEvent.ToolCall c -> firstOutput = firstOutput == null ? timed.timestamp() : firstOutput;
                    case TokenEvent.Status s when s.state().equals("retrying") -> retries++;
                    case TokenEvent.Reset r -> {
                        resets++;
                        discarded += tokens;
                        tokens = 0;
                        firstToken = null;
                    }
                    default -> { }
                }
            }
            long endAt = last.timestamp();
            for (Expected e : targets(expected, start, endAt)) {
                switch (last.event()) {
                    case TokenEvent.Done d -> e.done++;
                    case TokenEvent.Error err -> {
                        e.error++;
                        e.errors.merge(err.code(), 1L, Long::sum);
                    }
                    default -> e.cancelled++;
                }
                e.tokens += tokens;
                e.discarded += discarded;
                e.retries += retries;
                e.resets += resets;
                e.generationMs += firstToken == null ? 0 : endAt - firstToken;
                if (firstOutput != null) {
                    e.ttfts.add(firstOutput - startAt);
                }
                e.durations.add(endAt - startAt);
            }
        }
        return expected;
    }

    /** The total and the window that an event at {@code at} counts in. */
    private static List<Expected> targets(Map<String, Expected> expected, TokenEvent.Start start, long at) {
        Instant windowStart = Instant.ofEpochMilli(at - Math.floorMod(at, 60_000L));
        return List.of(
                expected.computeIfAbsent(AnalyticsRecord.totalKey(start.upstream(), start.model()), k -> new Expected()),
                expected.computeIfAbsent(AnalyticsRecord.windowKey(start.upstream(), start.model(), windowStart),
                        k -> new Expected()));
    }

    /** Asserts that the app's record has the expected numbers: counts exactly, percentiles within 1%. */
    static void assertMatches(String key, AnalyticsRecord actual, Expected expected) {
        assertThat(actual).as(key).isInstanceOf(AnalyticsRecord.Series.class);
        AnalyticsRecord.SeriesStats stats = ((AnalyticsRecord.Series) actual).stats();
        assertThat(stats.sessions()).as(key).isEqualTo(
                new AnalyticsRecord.SessionCounts(expected.started, expected.done, expected.error, expected.cancelled));
        assertThat(stats.tokens()).as(key + " tokens").isEqualTo(expected.tokens);
        assertThat(stats.discardedTokens()).as(key + " discarded tokens").isEqualTo(expected.discarded);
        assertThat(stats.retries()).as(key + " retries").isEqualTo(expected.retries);
        assertThat(stats.resets()).as(key + " resets").isEqualTo(expected.resets);
        assertThat(stats.generationMs()).as(key + " generation ms").isEqualTo(expected.generationMs);
        if (expected.generationMs > 0) {
            assertThat(stats.tokensPerSecond()).as(key + " tokens/s")
                    .isCloseTo(expected.tokens * 1000.0 / expected.generationMs, within(1e-9));
        } else {
            assertThat(stats.tokensPerSecond()).as(key + " tokens/s").isNull();
        }
        Map<String, Long> errors = new TreeMap<>();
        stats.topErrors().forEach(e -> errors.put(e.code(), e.count()));
        assertThat(errors).as(key + " errors").isEqualTo(expected.errors);
        assertLatency(key + " ttft", stats.ttftMs(), expected.ttfts);
        assertLatency(key + " duration", stats.durationMs(), expected.durations);
        if (actual instanceof AnalyticsRecord.Window window) {
            assertThat(window.throughputTokensPerSecond()).as(key).isCloseTo(expected.tokens / 60.0, within(1e-9));
        }
    }

    private static void assertLatency(String label, AnalyticsRecord.Latency actual, List<Long> values) {
        assertThat(actual.count()).as(label + " count").isEqualTo(values.size());
        if (values.isEmpty()) {
            assertThat(actual.p50()).as(label).isNull();
            return;
        }
        List<Long> sorted = values.stream().sorted().toList();
        assertThat(actual.max()).as(label + " max").isEqualTo(sorted.getLast());
        assertNearestRank(label + " p50", actual.p50(), sorted, 50);
        assertNearestRank(label + " p95", actual.p95(), sorted, 95);
        assertNearestRank(label + " p99", actual.p99(), sorted, 99);
    }

    private static void assertNearestRank(String label, long actual, List<Long> sorted, double percentile) {
        long exact = sorted.get((int) Math.max(0, Math.ceil(percentile / 100 * sorted.size()) - 1));
        assertThat((double) actual).as(label + " (exact " + exact + ")").isCloseTo(exact, within(exact * 0.01 + 1e-9));
    }
}
