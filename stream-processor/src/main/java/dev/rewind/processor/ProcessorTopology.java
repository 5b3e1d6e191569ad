package dev.rewind.processor;

import dev.rewind.processor.session.ProcessorMetrics;
import dev.rewind.processor.session.SessionAssembler;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.telemetry.Telemetry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** The processor's topology and its Kafka Streams settings. */
public final class ProcessorTopology {

    private ProcessorTopology() {}

    /**
     * requests + chunks (co-partitioned by session id) → session-assembler (live sessions' state keyed
     * by session id, and the ended sessions) → tokens, sessions, and the DLQ. The sources read bytes:
     * the assembler decodes them, so an unreadable value becomes a dead letter (protocol's RecordDecoder).
     */
    public static Topology buildTopology(ProcessorConfig config, ProcessorMetrics metrics) {
        return buildTopology(config, metrics, Telemetry.off());
    }

    /** As above, each session's assembly traced into {@code telemetry}. */
    public static Topology buildTopology(ProcessorConfig config, ProcessorMetrics metrics, Telemetry telemetry) {
        Topology topology = new Topology();
        topology.addSource("requests-source", new StringDeserializer(), new ByteArrayDeserializer(), Topics.REQUESTS);
        topology.addSource("chunks-source", new StringDeserializer(), new ByteArrayDeserializer(), Topics.CHUNKS);
        topology.addProcessor("session-assembler",
                () -> new SessionAssembler(config.maxLineBytes(), config.prices(), metrics, telemetry),
                "requests-source", "chunks-source");
        topology.addStateStore(SessionAssembler.storeBuilder(), "session-assembler");
        topology.addStateStore(SessionAssembler.argumentsStoreBuilder(), "session-assembler");
        topology.addStateStore(SessionAssembler.endedStoreBuilder(Duration.ofMillis(config.endedRetentionMs())),
                "session-assembler");
        topology.addSink(SessionAssembler.TOKENS_SINK, Topics.TOKENS, new StringSerializer(), Serdes.TOKEN,
                "session-assembler");
        topology.addSink(SessionAssembler.SESSIONS_SINK, Topics.SESSIONS, new StringSerializer(), Serdes.SESSION,
                "session-assembler");
        topology.addSink(SessionAssembler.DLQ_SINK, Topics.CHUNKS_DLQ, new StringSerializer(), Serdes.DEAD_LETTER,
                "session-assembler");
        return topology;
    }

    public static Properties streamsConfig(ProcessorConfig config) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        defaults.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // read-committed readers see output only when a transaction commits: this is the latency knob
        defaults.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitIntervalMs());
        defaults.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        defaults.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.numStandbyReplicas());
        defaults.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.numStreamThreads());
        defaults.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.topics().replicationFactor());
        // a session's request and chunks sit in two topics: 0 waits for records the broker already has for an
        // empty input partition, so both are read in timestamp order, but never for records that do not exist yet
        defaults.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 0L);
        // there are no global stores; set only to silence Kafka's start-up warning (the default from Kafka 5)
        defaults.put("processing.exception.handler.global.enabled", true);
        // output is visible only when its transaction commits, and the commit flushes the producer: lingering
        // up to the commit interval costs no latency, and gives one batch per partition and commit instead
        // of one per record or two (each lz4 batch allocates 128 KiB: 44-49k instead of 32-38k tokens/s
        // on one thread, same p50/p99; docs/benchmarks.md)
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), (int) config.commitIntervalMs());
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 131072);
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) config.transactionTimeoutMs());
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) config.sessionTimeoutMs());
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.max(500, config.sessionTimeoutMs() / 4));
        if (config.groupInstanceId() != null && !config.groupInstanceId().isEmpty()) {
            // static membership: an instance restarted under the same id takes its partitions back without a
            // rebalance, instead of waiting session_timeout_ms for its dead predecessor to be dropped
            defaults.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.groupInstanceId());
        }
        Properties properties = new Properties();
        properties.putAll(config.kafka().clientConfig(defaults));
        return properties;
    }
}
