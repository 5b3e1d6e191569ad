package dev.rewind.analytics;

import dev.rewind.analytics.metrics.AnalyticsMetrics;
import dev.rewind.analytics.stats.SeriesAggregate;
import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.ops.KafkaReachability;
import dev.rewind.protocol.ops.OpsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running analytics app: topics provisioned, Kafka Streams RUNNING, {@code /metrics} listening. */
public final class AnalyticsApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsApp.class);
    private static final long START_TIMEOUT_S = 60;

    private final KafkaStreams streams;
    private final KafkaReachability kafka;
    private final OpsServer ops;

    private AnalyticsApp(KafkaStreams streams, KafkaReachability kafka, OpsServer ops) {
        this.streams = streams;
        this.kafka = kafka;
        this.ops = ops;
    }

    public static AnalyticsApp start(AnalyticsConfig config) {
        provision(config);
        PrometheusMeterRegistry registry = OpsServer.newRegistry();
        KafkaStreams streams = new KafkaStreams(AnalyticsTopology.buildTopology(config),
                AnalyticsTopology.streamsConfig(config, registry));
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
            LOG.info("analytics {} -> {}", before, now);
        });
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        try {
            if (!running.await(START_TIMEOUT_S, TimeUnit.SECONDS)) {
                streams.close(Duration.ofSeconds(10));
                throw new IllegalStateException("analytics did not reach RUNNING within " + START_TIMEOUT_S
                        + " s (state " + streams.state() + "); is Kafka reachable at " + config.kafka().bootstrapServers() + "?");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            streams.close(Duration.ofSeconds(10));
            throw new IllegalStateException("interrupted while starting analytics", e);
        }
        KafkaReachability kafka = new KafkaReachability(config.kafka().clientConfig(Map.of()));
        try {
            AnalyticsMetrics metrics = new AnalyticsMetrics(registry, () -> totals(streams), () -> isRunning(streams),
                    config.metricsMaxSeries());
            return new AnalyticsApp(streams, kafka, OpsServer.start("analytics", config.ops(), metrics::scrape,
                    () -> streams.state() == KafkaStreams.State.RUNNING && kafka.reachable()));
        } catch (RuntimeException e) {
            kafka.close();
            streams.close(Duration.ofSeconds(10));
            throw e;
        }
    }

    /** Rewind's topics as every service creates them; an analytics topic of another name gets the same configs. */
    private static void provision(AnalyticsConfig config) {
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            TopicProvisioner.ensure(admin, config.topics());
            if (!config.analyticsTopic().equals(Topics.ANALYTICS)) {
                NewTopic topic = new NewTopic(config.analyticsTopic(), config.topics().partitions(),
                        config.topics().replicationFactor()).configs(config.topics().configsFor(Topics.ANALYTICS));
                try {
                    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + config.analyticsTopic() + ": " + e.getMessage(), e);
                    }
                } catch (TimeoutException e) {
                    throw new IllegalStateException("cannot create " + config.analyticsTopic() + " within 30 s", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating " + config.analyticsTopic(), e);
                }
            }
        }
    }

    private static ReadOnlyKeyValueStore<String, SeriesAggregate> totals(KafkaStreams streams) {
        return streams.store(StoreQueryParameters.fromNameAndType(AnalyticsTopology.TOTALS_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

    private static boolean isRunning(KafkaStreams streams) {
        return streams.state() == KafkaStreams.State.RUNNING || streams.state() == KafkaStreams.State.REBALANCING;
    }

    public boolean isRunning() {
        return isRunning(streams);
    }

    /** The port of /health and /metrics (useful with {@code ops.port: 0}), or -1 when they are off. */
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    /** Stops, leaving the group so that another instance takes the partitions over at once. */
    @Override
    public void close() {
        if (ops != null) {
            ops.close();
        }
        kafka.close();
        streams.close(CloseOptions.timeout(Duration.ofSeconds(5))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
}
