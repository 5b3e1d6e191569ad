package dev.rewind.analytics;

import dev.rewind.protocol.ops.OpsServer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.analytics.metrics.AnalyticsMetrics;
import dev.rewind.protocol.usage.Cost;
import dev.rewind.protocol.usage.TokenUsage;
import java.math.BigDecimal;
import dev.rewind.analytics.stats.SeriesAggregate;
import dev.rewind.analytics.stats.SeriesKey;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import java.util.Iterator;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus text follows the totals store: one series per upstream and model, bounded, gone when the store loses it. */
class AnalyticsMetricsTest {

    private static final long T0 = Instant.parse("2026-11-24T10:00:00Z").toEpochMilli();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> tokens;

    @BeforeEach
    void start() {
        AnalyticsConfig config = ConfigLoader.load(AnalyticsConfig.class,
                ConfigLoader.parseYaml("state_dir: \"" + stateDir + "\""), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "analytics-defaults.yaml");
        driver = new TopologyTestDriver(AnalyticsTopology.buildTopology(config), AnalyticsTopology.streamsConfig(config));
        tokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), Serdes.TOKEN);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void exportsEachSeriesTotalsWithUpstreamAndModelLabels() {
        pipe(ScriptedSession.start("s_metricsAaaaaaaaaaaaaa", "sim", "a|b", T0).retrying(10, 100).tokens(4, 200, 10).done(5));
        pipe(ScriptedSession.start("s_metricsBaaaaaaaaaaaaa", "sim", "a|b", T0).error(50, "upstream_bad_request"));

        String text = metrics(10).scrape();

        String labels = "model=\"a|b\",upstream=\"sim\"";
        assertThat(text).contains("rewind_analytics_tokens_total{" + labels + "} 4.0");
        assertThat(text).contains("rewind_analytics_sessions_total{model=\"a|b\",outcome=\"started\",upstream=\"sim\"} 2.0");
        assertThat(text).contains("rewind_analytics_sessions_total{model=\"a|b\",outcome=\"error\",upstream=\"sim\"} 1.0");
        assertThat(text).contains("rewind_analytics_retries_total{" + labels + "} 1.0");
        assertThat(text).contains("rewind_analytics_errors_total{code=\"upstream_bad_request\"," + labels + "} 1.0");
        assertThat(text).contains("rewind_analytics_ttft_milliseconds{model=\"a|b\",quantile=\"0.5\",upstream=\"sim\"} 310.0");
        assertThat(text).contains("rewind_analytics_generation_seconds_total{" + labels + "} 0.035");
        assertThat(text).contains("rewind_analytics_up 1.0");
    }

    @Test
    void exportsBilledTokensAndCostOfPricedSeriesOnly() {
        pipe(ScriptedSession.start("s_metricsEaaaaaaaaaaaaa", "sim", "priced", T0).tokens(1, 10, 0)
                .done(5, TokenUsage.reported(100L, 20L, null, 60L), new Cost("EUR", new BigDecimal("0.25"), false)));
        pipe(ScriptedSession.start("s_metricsFaaaaaaaaaaaaa", "sim", "unpriced", T0).tokens(1, 10, 0)
                .done(5, TokenUsage.reported(7L, 1L, null, null), null));

        String text = metrics(10).scrape();

        assertThat(text).contains("rewind_analytics_cost_total{currency=\"EUR\",model=\"priced\",upstream=\"sim\"} 0.25");
        assertThat(text).contains("rewind_analytics_billed_tokens_total{kind=\"input\",model=\"priced\",upstream=\"sim\"} 100.0");
        assertThat(text).contains("rewind_analytics_billed_tokens_total{kind=\"cached_input\",model=\"priced\",upstream=\"sim\"} 60.0");
        assertThat(text).contains("rewind_analytics_billed_tokens_total{kind=\"output\",model=\"unpriced\",upstream=\"sim\"} 1.0");
        assertThat(text).doesNotContain("rewind_analytics_cost_total{currency=\"EUR\",model=\"unpriced\"");
    }

    @Test
    void exportsAtMostTheConfiguredSeriesAndDropsASeriesTheStoreNoLongerHas() {
        pipe(ScriptedSession.start("s_metricsCaaaaaaaaaaaaa", "sim", "one", T0).tokens(1, 10, 0).done(5));
        pipe(ScriptedSession.start("s_metricsDaaaaaaaaaaaaa", "sim", "two", T0).tokens(2, 10, 10).done(5));
        Map<String, SeriesAggregate> owned = new TreeMap<>();
        try (KeyValueIterator<String, SeriesAggregate> all = totals().all()) {
            all.forEachRemaining(entry -> owned.put(entry.key, entry.value));
        }
        AnalyticsMetrics metrics = new AnalyticsMetrics(OpsServer.newRegistry(), () -> new OwnedTotals(owned), () -> true, 1);

        String bounded = metrics.scrape();
        assertThat(bounded).contains("rewind_analytics_tokens_total{model=\"one\",upstream=\"sim\"} 1.0")
                .doesNotContain("model=\"two\"").contains("rewind_analytics_series_not_exported 1.0");

        // as after a rebalance that moved the series' partition to another instance
        owned.remove(SeriesKey.of("sim", "one"));
        String moved = metrics.scrape();
        assertThat(moved).doesNotContain("model=\"one\"")
                .contains("rewind_analytics_tokens_total{model=\"two\",upstream=\"sim\"} 2.0")
                .contains("rewind_analytics_series_not_exported 0.0");
    }

    private AnalyticsMetrics metrics(int maxSeries) {
        return new AnalyticsMetrics(OpsServer.newRegistry(), this::totals, () -> true, maxSeries);
    }

    private KeyValueStore<String, SeriesAggregate> totals() {
        return driver.getKeyValueStore(AnalyticsTopology.TOTALS_STORE);
    }

    /** The totals an instance owns, as its local store would answer an interactive query. */
    private record OwnedTotals(Map<String, SeriesAggregate> entries) implements ReadOnlyKeyValueStore<String, SeriesAggregate> {
        @Override
        public SeriesAggregate get(String key) {
            return entries.get(key);
        }

        @Override
        public KeyValueIterator<String, SeriesAggregate> range(String from, String to) {
            throw new UnsupportedOperationException("metrics read all totals");
        }

        @Override
        public KeyValueIterator<String, SeriesAggregate> all() {
            Iterator<Map.Entry<String, SeriesAggregate>> entries = List.copyOf(this.entries.entrySet()).iterator();
            return new KeyValueIterator<>() {
                @Override
                public boolean hasNext() {
                    return entries.hasNext();
                }

                @Override
                public KeyValue<String, SeriesAggregate> next() {
                    Map.Entry<String, SeriesAggregate> entry = entries.next();
                    return KeyValue.pair(entry.getKey(), entry.getValue());
                }

                @Override
                public String peekNextKey() {
                    throw new UnsupportedOperationException("not needed");
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public long approximateNumEntries() {
            return entries.size();
        }
    }

    private void pipe(List<TimedEvent> events) {
        events.forEach(e -> tokens.pipeInput(e.sessionId(), e.event(), e.timestamp()));
    }
}
