package dev.rewind.analytics.metrics;

import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.analytics.stats.SeriesAggregate;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The running totals as Prometheus metrics. At each scrape the totals of this instance's partitions
 * are read from the local store (so after a rebalance a series moves to the instance that owns it,
 * and is never exported twice), and one meter per series and number is kept in step with them.
 */
public final class AnalyticsMetrics {

    private static final double[] QUANTILES = {0.5, 0.95, 0.99};

    private final PrometheusMeterRegistry registry;
    private final Supplier<ReadOnlyKeyValueStore<String, SeriesAggregate>> totals;
    private final int maxSeries;
    private final Map<String, List<Meter>> meters = new HashMap<>();
    private volatile Map<String, Series> latest = Map.of();
    private volatile long seriesNotExported;

    /** {@code registry} is the app's, where Streams' error handler counts too; one scrape serves them all. */
    public AnalyticsMetrics(PrometheusMeterRegistry registry, Supplier<ReadOnlyKeyValueStore<String, SeriesAggregate>> totals,
            BooleanSupplier running, int maxSeries) {
        this.registry = registry;
        this.totals = totals;
        this.maxSeries = maxSeries;
        Gauge.builder("rewind.analytics.up", running, r -> r.getAsBoolean() ? 1 : 0)
                .description("1 while the analytics app's Kafka Streams are running").register(registry);
        Gauge.builder("rewind.analytics.series.not.exported", this, m -> m.seriesNotExported)
                .description("upstream/model pairs beyond metrics_max_series, left out of these metrics").register(registry);
    }

    /** The Prometheus text exposition of the current totals. */
    public synchronized String scrape() {
        refresh();
        return registry.scrape();
    }

    private void refresh() {
        Map<String, Series> snapshot = new TreeMap<>();
        long beyond = 0;
        try (KeyValueIterator<String, SeriesAggregate> all = totals.get().all()) {
            while (all.hasNext()) {
                KeyValue<String, SeriesAggregate> entry = all.next();
                if (snapshot.size() < maxSeries) {
                    snapshot.put(entry.key, new Series(entry.value.upstream(), entry.value.model(), entry.value.stats()));
                } else {
                    beyond++;
                }
            }
        } catch (InvalidStateStoreException e) {
            return; // rebalancing or restoring: keep exporting the last numbers until the store is back
        }
        latest = snapshot;
        seriesNotExported = beyond;
        for (String gone : new ArrayList<>(meters.keySet())) {
            if (!snapshot.containsKey(gone)) {
                meters.remove(gone).forEach(registry::remove);
            }
        }
        snapshot.forEach((series, numbers) -> {
            List<String> codes = numbers.stats().topErrors().stream().map(AnalyticsRecord.ErrorCount::code).toList();
            AnalyticsRecord.Billing billing = numbers.stats().billing();
            String currency = billing == null || billing.cost() == null ? null : billing.cost().currency();
            List<Meter> registered = meters.get(series);
            if (registered == null || registered.size() != baseMeterCount() + codes.size() + (currency == null ? 0 : 1)) {
                if (registered != null) {
                    registered.forEach(registry::remove);
                }
                meters.put(series, register(series, numbers, codes, currency));
            }
        });
    }

    private static int baseMeterCount() {
        return 4 + 5 + 1 + 2 * QUANTILES.length + BILLED_TOKEN_KINDS.size();
    }

    /** Billed token kinds, as the {@code kind} tag of {@code rewind_analytics_billed_tokens_total}. */
    private static final Map<String, ToDoubleFunction<AnalyticsRecord.Billing>> BILLED_TOKEN_KINDS = Map.of(
            "input", AnalyticsRecord.Billing::inputTokens, "output", AnalyticsRecord.Billing::outputTokens,
            "reasoning", AnalyticsRecord.Billing::reasoningTokens, "cached_input", AnalyticsRecord.Billing::cachedInputTokens);

    private List<Meter> register(String series, Series numbers, List<String> codes, String currency) {
        Tags tags = Tags.of("upstream", numbers.upstream(), "model", numbers.model());
        List<Meter> registered = new ArrayList<>();
        registered.add(counter("rewind.analytics.sessions", "sessions by outcome (started counts at the start event)",
                series, tags.and("outcome", "started"), s -> s.sessions().started()));
        registered.add(counter("rewind.analytics.sessions", "sessions by outcome (started counts at the start event)",
                series, tags.and("outcome", "done"), s -> s.sessions().done()));
        registered.add(counter("rewind.analytics.sessions", "sessions by outcome (started counts at the start event)",
                series, tags.and("outcome", "error"), s -> s.sessions().error()));
        registered.add(counter("rewind.analytics.sessions", "sessions by outcome (started counts at the start event)",
                series, tags.and("outcome", "cancelled"), s -> s.sessions().cancelled()));
        registered.add(counter("rewind.analytics.tokens", "token events after the last reset", series, tags, s -> s.tokens()));
        registered.add(counter("rewind.analytics.discarded.tokens", "token events thrown away by resets", series, tags,
                s -> s.discardedTokens()));
        registered.add(FunctionCounter.builder("rewind.analytics.generation", this, m -> m.value(series,
                        s -> s.generationMs() / 1000.0))
                .baseUnit("seconds").description("time from first token after the last reset to the end, summed")
                .tags(tags).register(registry));
        registered.add(counter("rewind.analytics.retries", "upstream retries scheduled", series, tags, s -> s.retries()));
        registered.add(counter("rewind.analytics.resets", "attempts whose output was thrown away", series, tags,
                s -> s.resets()));
        registered.add(Gauge.builder("rewind.analytics.tokens.per.second", this, m -> m.value(series,
                        s -> s.tokensPerSecond() == null ? Double.NaN : s.tokensPerSecond()))
                .description("tokens / generation seconds over the running total").tags(tags).register(registry));
        for (double quantile : QUANTILES) {
            registered.add(quantileGauge("rewind.analytics.ttft", "time to first token", series, tags, quantile,
                    AnalyticsRecord.SeriesStats::ttftMs));
            registered.add(quantileGauge("rewind.analytics.duration", "session duration", series, tags, quantile,
                    AnalyticsRecord.SeriesStats::durationMs));
        }
        BILLED_TOKEN_KINDS.forEach((kind, count) -> registered.add(counter("rewind.analytics.billed.tokens",
                "provider tokens billed for ended sessions, every attempt included", series, tags.and("kind", kind),
                s -> s.billing() == null ? 0 : count.applyAsDouble(s.billing()))));
        if (currency != null) {
            // a double only here, for Prometheus; the topic keeps the exact decimal
            registered.add(counter("rewind.analytics.cost", "cost of the priced ended sessions, every attempt included",
                    series, tags.and("currency", currency), s -> s.billing() == null || s.billing().cost() == null ? 0
                            : s.billing().cost().amount().doubleValue()));
        }
        for (String code : codes) {
            registered.add(counter("rewind.analytics.errors", "sessions ended with error, by code", series,
                    tags.and("code", code), s -> s.topErrors().stream().filter(e -> e.code().equals(code))
                            .mapToLong(AnalyticsRecord.ErrorCount::count).sum()));
        }
        return registered;
    }

    private Meter counter(String name, String description, String series, Tags tags,
            ToDoubleFunction<AnalyticsRecord.SeriesStats> number) {
        return FunctionCounter.builder(name, this, m -> m.value(series, number))
                .description(description).tags(tags).register(registry);
    }

    private Meter quantileGauge(String name, String description, String series, Tags tags, double quantile,
            java.util.function.Function<AnalyticsRecord.SeriesStats, AnalyticsRecord.Latency> latency) {
        return Gauge.builder(name, this, m -> m.value(series, s -> {
                    AnalyticsRecord.Latency l = latency.apply(s);
                    Long value = quantile == 0.5 ? l.p50() : quantile == 0.95 ? l.p95() : l.p99();
                    return value == null ? Double.NaN : value;
                }))
                .baseUnit("milliseconds").description(description + " percentile over the running total")
                .tags(tags.and("quantile", Double.toString(quantile))).register(registry);
    }

    private double value(String series, ToDoubleFunction<AnalyticsRecord.SeriesStats> number) {
        Series numbers = latest.get(series);
        return numbers == null ? Double.NaN : number.applyAsDouble(numbers.stats());
    }

    /** One exported upstream/model pair. */
    private record Series(String upstream, String model, AnalyticsRecord.SeriesStats stats) {}
}
