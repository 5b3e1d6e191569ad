package dev.rewind.analytics;

import dev.rewind.analytics.billing.KeyBilling;
import dev.rewind.analytics.errors.DeadLetterHandler;
import dev.rewind.analytics.errors.TokenDecoding;
import dev.rewind.analytics.session.SessionFact;
import dev.rewind.analytics.session.SessionTracker;
import dev.rewind.analytics.stats.SeriesAggregate;
import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.JsonSerde;
import dev.rewind.protocol.Serdes;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/** The analytics topology and its Kafka Streams settings. */
public final class AnalyticsTopology {

    public static final Duration WINDOW = Duration.ofMinutes(1);
    public static final String WINDOWS_STORE = "series-windows";
    public static final String TOTALS_STORE = "series-totals";
    public static final String KEY_WINDOWS_STORE = "key-windows";
    static final JsonSerde<KeyBilling> KEY_BILLING_SERDE = new JsonSerde<>(KeyBilling.class);
    static final JsonSerde<SessionFact> FACT_SERDE = new JsonSerde<>(SessionFact.class);
    static final JsonSerde<SeriesAggregate> AGGREGATE_SERDE = new JsonSerde<>(SeriesAggregate.class);

    private AnalyticsTopology() {}

    /**
     * tokens (keyed by session) → session-tracker (a fact at each session's start and end, re-keyed by
     * upstream|model) → series repartition → one-minute windows and running totals → rewind.analytics.
     */
    public static Topology buildTopology(AnalyticsConfig config) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(SessionTracker.storeBuilder());
        KGroupedStream<String, SessionFact> bySeries = builder
                .stream(config.tokensTopic(), Consumed.with(org.apache.kafka.common.serialization.Serdes.String(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()).withName("tokens-source"))
                .flatMapValues(TokenDecoding::decode, Named.as("token-decoder"))
                .process(() -> new SessionTracker(config.sessionStateTtlMs()), Named.as("session-tracker"),
                        SessionTracker.STORE)
                .groupByKey(Grouped.with("series", org.apache.kafka.common.serialization.Serdes.String(), FACT_SERDE));

        Duration grace = Duration.ofMillis(config.graceMs());
        bySeries.windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, grace))
                .aggregate(SeriesAggregate::empty, (series, fact, aggregate) -> aggregate.add(fact, config.maxErrorCodes()),
                        Named.as("window-aggregate"),
                        Materialized.<String, SeriesAggregate, WindowStore<Bytes, byte[]>>as(WINDOWS_STORE)
                                .withKeySerde(org.apache.kafka.common.serialization.Serdes.String())
                                .withValueSerde(AGGREGATE_SERDE)
                                .withRetention(WINDOW.plus(grace)))
                .toStream(Named.as("window-updates"))
                .map((window, aggregate) -> KeyValue.pair(windowKey(window, aggregate), windowRecord(window, aggregate, grace)),
                        Named.as("window-records"))
                .to(config.analyticsTopic(), Produced.with(org.apache.kafka.common.serialization.Serdes.String(),
                        Serdes.ANALYTICS).withName("window-sink"));

        bySeries.aggregate(SeriesAggregate::empty, (series, fact, aggregate) -> aggregate.add(fact, config.maxErrorCodes()),
                        Named.as("total-aggregate"),
                        Materialized.<String, SeriesAggregate, KeyValueStore<Bytes, byte[]>>as(TOTALS_STORE)
                                .withKeySerde(org.apache.kafka.common.serialization.Serdes.String())
                                .withValueSerde(AGGREGATE_SERDE))
                .toStream(Named.as("total-updates"))
                .map((series, aggregate) -> KeyValue.pair(AnalyticsRecord.totalKey(aggregate.upstream(), aggregate.model()),
                        (AnalyticsRecord) new AnalyticsRecord.Total(aggregate.upstream(), aggregate.model(), aggregate.stats())),
                        Named.as("total-records"))
                .to(config.analyticsTopic(), Produced.with(org.apache.kafka.common.serialization.Serdes.String(),
                        Serdes.ANALYTICS).withName("total-sink"));

        addKeyBilling(builder, config, grace);
        return builder.build();
    }

    /**
     * sessions (keyed by session) → final summaries, re-keyed by owner|upstream|model → key repartition →
     * one-minute windows of each API key's billing → rewind.analytics. The summaries, not the token
     * events, because only they name the owner (the token events go to read-token holders).
     */
    private static void addKeyBilling(StreamsBuilder builder, AnalyticsConfig config, Duration grace) {
        builder.stream(config.sessionsTopic(), Consumed.with(org.apache.kafka.common.serialization.Serdes.String(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()).withName("sessions-source"))
                .flatMapValues(TokenDecoding::decodeSummary, Named.as("summary-decoder"))
                .filter((session, summary) -> KeyBilling.counts(summary), Named.as("final-summaries"))
                .selectKey((session, summary) -> KeyBilling.seriesOf(summary), Named.as("by-key"))
                .groupByKey(Grouped.with("key-series", org.apache.kafka.common.serialization.Serdes.String(), Serdes.SESSION))
                .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, grace))
                .aggregate(KeyBilling::empty, (series, summary, billing) -> billing.add(summary), Named.as("key-window-aggregate"),
                        Materialized.<String, KeyBilling, WindowStore<Bytes, byte[]>>as(KEY_WINDOWS_STORE)
                                .withKeySerde(org.apache.kafka.common.serialization.Serdes.String())
                                .withValueSerde(KEY_BILLING_SERDE)
                                .withRetention(WINDOW.plus(grace)))
                .toStream(Named.as("key-window-updates"))
                .map((window, billing) -> KeyValue.pair(
                        AnalyticsRecord.keyWindowKey(billing.owner(), billing.upstream(), billing.model(), window.window().startTime()),
                        (AnalyticsRecord) new AnalyticsRecord.KeyWindow(billing.owner(), billing.upstream(), billing.model(),
                                window.window().startTime(), window.window().endTime(), window.window().endTime().plus(grace),
                                billing.billing())), Named.as("key-window-records"))
                .to(config.analyticsTopic(), Produced.with(org.apache.kafka.common.serialization.Serdes.String(),
                        Serdes.ANALYTICS).withName("key-window-sink"));
    }

    private static String windowKey(Windowed<String> window, SeriesAggregate aggregate) {
        return AnalyticsRecord.windowKey(aggregate.upstream(), aggregate.model(), window.window().startTime());
    }

    private static AnalyticsRecord windowRecord(Windowed<String> window, SeriesAggregate aggregate, Duration grace) {
        Instant end = window.window().endTime();
        return new AnalyticsRecord.Window(aggregate.upstream(), aggregate.model(), window.window().startTime(), end,
                end.plus(grace), aggregate.tokens() / (double) WINDOW.toSeconds(), aggregate.stats());
    }

    /** As {@link #streamsConfig(AnalyticsConfig)}, with the dead-letter handler counting in {@code registry}. */
    public static Properties streamsConfig(AnalyticsConfig config, MeterRegistry registry) {
        Properties properties = streamsConfig(config);
        properties.put(DeadLetterHandler.REGISTRY_CONFIG, registry);
        return properties;
    }

    public static Properties streamsConfig(AnalyticsConfig config) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        // exactly-once: a restart or a crash never counts an event twice; implies read_committed input
        defaults.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        defaults.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitIntervalMs());
        defaults.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        defaults.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.numStandbyReplicas());
        defaults.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.numStreamThreads());
        defaults.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.topics().replicationFactor());
        // a record the app cannot read is dead-lettered, one of a type from a later version skipped and counted, and
        // one whose processing throws dead-lettered: never fatal, never a crash loop under exactly-once
        defaults.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        defaults.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        // there are no global stores; set only to silence Kafka's start-up warning (the default from Kafka 5)
        defaults.put("processing.exception.handler.global.enabled", true);
        // 5 ms batches a commit's window and total updates; readers wait for the commit (1 s) anyway
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) config.transactionTimeoutMs());
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) config.sessionTimeoutMs());
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.max(500, config.sessionTimeoutMs() / 4));
        Properties properties = new Properties();
        properties.putAll(config.kafka().clientConfig(defaults));
        return properties;
    }
}
