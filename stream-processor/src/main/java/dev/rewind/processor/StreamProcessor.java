package dev.rewind.processor;

import dev.rewind.processor.session.ProcessorMetrics;
import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.ops.KafkaReachability;
import dev.rewind.protocol.ops.OpsServer;
import dev.rewind.protocol.telemetry.Telemetry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running stream processor: topics provisioned, Kafka Streams started and RUNNING. */
public final class StreamProcessor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamProcessor.class);
    private static final long START_TIMEOUT_S = 60;

    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final KafkaReachability kafka;
    private final OpsServer ops;
    private final Telemetry telemetry;

    private StreamProcessor(KafkaStreams streams, KafkaStreamsMetrics streamsMetrics, KafkaReachability kafka, OpsServer ops,
            Telemetry telemetry) {
        this.telemetry = telemetry;
        this.streams = streams;
        this.streamsMetrics = streamsMetrics;
        this.kafka = kafka;
        this.ops = ops;
    }

    public static StreamProcessor start(ProcessorConfig config) {
        return start(config, Telemetry.start("rewind-stream-processor", config.telemetry(), System.getenv()));
    }

    /** As above, tracing into {@code telemetry} (closed with the processor; tests hand in one with an in-memory exporter). */
    public static StreamProcessor start(ProcessorConfig config, Telemetry telemetry) {
        try {
            return started(config, telemetry);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
    }

    private static StreamProcessor started(ProcessorConfig config, Telemetry telemetry) {
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            TopicProvisioner.ensure(admin, config.topics());
        }
        PrometheusMeterRegistry registry = OpsServer.newRegistry();
        KafkaStreams streams = new KafkaStreams(ProcessorTopology.buildTopology(config, new ProcessorMetrics(registry), telemetry),
                ProcessorTopology.streamsConfig(config));
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
            LOG.info("stream processor {} -> {}", before, now);
        });
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        try {
            if (!running.await(START_TIMEOUT_S, TimeUnit.SECONDS)) {
                streams.close(Duration.ofSeconds(10));
                throw new IllegalStateException("stream processor did not reach RUNNING within " + START_TIMEOUT_S
                        + " s (state " + streams.state() + "); is Kafka reachable at " + config.kafka().bootstrapServers() + "?");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            streams.close(Duration.ofSeconds(10));
            throw new IllegalStateException("interrupted while starting the stream processor", e);
        }
        KafkaReachability kafka = new KafkaReachability(config.kafka().clientConfig(Map.of()));
        try {
            OpsServer ops = OpsServer.start("stream-processor", config.ops(), registry::scrape,
                    () -> streams.state() == KafkaStreams.State.RUNNING && kafka.reachable());
            return new StreamProcessor(streams, streamsMetrics, kafka, ops, telemetry);
        } catch (RuntimeException e) {
            kafka.close();
            streams.close(Duration.ofSeconds(10));
            throw e;
        }
    }

    /** The port of /health and /metrics (useful with {@code ops.port: 0}), or -1 when they are off. */
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING || streams.state() == KafkaStreams.State.REBALANCING;
    }

    /**
     * Stops and leaves the group, so that a restarted or surviving instance takes the partitions
     * over at once instead of after the session timeout (Streams stays in the group by default).
     */
    @Override
    public void close() {
        if (ops != null) {
            ops.close();
        }
        kafka.close();
        streamsMetrics.close();
        streams.close(CloseOptions.timeout(Duration.ofSeconds(5))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        telemetry.close(); // after the tasks closed: their open spans ended there
    }
}
