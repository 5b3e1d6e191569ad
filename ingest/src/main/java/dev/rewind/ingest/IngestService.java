package dev.rewind.ingest;

import dev.rewind.ingest.cancel.CancelListener;
import dev.rewind.ingest.cancel.PendingCancels;
import dev.rewind.ingest.faults.TaskFailures;
import dev.rewind.ingest.faults.UnusableRecords;
import dev.rewind.ingest.retry.UpstreamBreakers;
import dev.rewind.ingest.retry.UpstreamRetryPolicy;
import dev.rewind.ingest.session.FreezeFence;
import dev.rewind.ingest.session.IngestWorker;
import dev.rewind.ingest.session.RunServices;
import dev.rewind.ingest.session.SessionHistory;
import dev.rewind.ingest.session.SessionLimits;
import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.ingest.upstream.UpstreamClient;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.ops.CloseSteps;
import dev.rewind.protocol.ops.KafkaReachability;
import dev.rewind.protocol.ops.OpsServer;
import dev.rewind.protocol.telemetry.GenAiMeters;
import dev.rewind.protocol.telemetry.Telemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running ingest worker: provisions topics, then consumes start requests and streams upstream
 * bytes into Kafka, while a second loop reads every cancel.
 */
public final class IngestService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);
    /** The request consumer's session timeout: a dead worker's sessions move to another after this long. */
    static final int SESSION_TIMEOUT_MS = 10_000;
    /** A freeze longer than half the session timeout may have cost the partitions: writes wait for their confirmation. */
    static final Duration FREEZE_THRESHOLD = Duration.ofMillis(SESSION_TIMEOUT_MS / 2);
    private static final Duration FREEZE_TICK = Duration.ofMillis(100);
    /** Longer than a rejoin takes; a session held longer stops without writing and runs again. */
    private static final Duration FREEZE_MAX_HOLD = Duration.ofMillis(3L * SESSION_TIMEOUT_MS);

    private final IngestWorker worker;
    private final CancelListener cancels;
    private final Thread requestLoop;
    private final Thread cancelLoop;
    private final KafkaProducer<String, ChunkRecord> producer;
    private final KafkaProducer<String, DeadLetter> deadLetters;
    private final HttpClient http;
    private final KafkaClientMetrics producerMetrics;
    private final KafkaReachability kafka;
    private final OpsServer ops;
    private final Telemetry telemetry;

    private IngestService(IngestConfig config, IngestWorker worker, CancelListener cancels,
            KafkaProducer<String, ChunkRecord> producer, KafkaProducer<String, DeadLetter> deadLetters, HttpClient http,
            PrometheusMeterRegistry registry, Telemetry telemetry) {
        this.worker = worker;
        this.telemetry = telemetry;
        this.cancels = cancels;
        this.producer = producer;
        this.deadLetters = deadLetters;
        this.http = http;
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
        // the loops start last: until then the caller closes the clients if a step here throws
        this.cancelLoop = Thread.ofPlatform().name("ingest-cancels").unstarted(cancels);
        this.requestLoop = Thread.ofPlatform().name("ingest-requests").unstarted(worker);
        KafkaReachability reachability = null;
        try {
            reachability = new KafkaReachability(config.kafka().clientConfig(Map.of()));
            this.ops = OpsServer.start("ingest", config.ops(), registry::scrape, this::isReady);
        } catch (RuntimeException | Error e) {
            CloseSteps.afterFailure(e, CloseSteps.closing(reachability), producerMetrics::close);
            throw e;
        }
        this.kafka = reachability;
        cancelLoop.start();
        requestLoop.start();
    }

    /** Ready: both loops alive, the request consumer in its group, and Kafka answering. */
    public boolean isReady() {
        return requestLoop.isAlive() && cancelLoop.isAlive() && worker.joined() && kafka.reachable();
    }

    /** The port of /health and /metrics (useful with {@code ops.port: 0}), or -1 when they are off. */
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    /** Starts ingest; upstream keys are resolved from {@code env} (the process environment in production). */
    public static IngestService start(IngestConfig config, Map<String, String> env) {
        return start(config, env, UnaryOperator.identity());
    }

    /** As {@link #start(IngestConfig, Map)}, with ingest's meters registered in {@code meters}. */
    public static IngestService start(IngestConfig config, Map<String, String> env, MeterRegistry meters) {
        return start(config, env, UnaryOperator.identity(), meters);
    }

    /**
     * As {@link #start(IngestConfig, Map)}, with the chunk producer wrapped by {@code instrument}
     * (the ingest benchmark measures read-to-acknowledgement latency this way).
     */
    public static IngestService start(IngestConfig config, Map<String, String> env,
            UnaryOperator<Producer<String, ChunkRecord>> instrument) {
        return start(config, env, instrument, new SimpleMeterRegistry());
    }

    /** The whole wiring: ingest's counters go to /metrics and to {@code meters} as well. */
    public static IngestService start(IngestConfig config, Map<String, String> env,
            UnaryOperator<Producer<String, ChunkRecord>> instrument, MeterRegistry meters) {
        return start(config, env, instrument, meters, System::nanoTime);
    }

    /** As above, tracing into {@code telemetry} (closed with the service; tests hand in one with an in-memory exporter). */
    public static IngestService start(IngestConfig config, Map<String, String> env, MeterRegistry meters, Telemetry telemetry) {
        return start(config, env, UnaryOperator.identity(), meters, System::nanoTime, telemetry);
    }

    /** As above, with the monotonic clock the freeze fence reads (a test moves it to simulate a freeze). */
    static IngestService start(IngestConfig config, Map<String, String> env,
            UnaryOperator<Producer<String, ChunkRecord>> instrument, MeterRegistry meters, LongSupplier nanoClock) {
        return start(config, env, instrument, meters, nanoClock, Telemetry.start("rewind-ingest", config.telemetry(), env));
    }

    private static IngestService start(IngestConfig config, Map<String, String> env,
            UnaryOperator<Producer<String, ChunkRecord>> instrument, MeterRegistry meters, LongSupplier nanoClock,
            Telemetry telemetry) {
        Map<String, Upstream> upstreams = Upstream.resolveAll(config.upstreams(), env);
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            TopicProvisioner.ensure(admin, config.topics());
        }
        Clock clock = Clock.systemUTC();
        // the registry /metrics serves: the Kafka clients' meters, and ingest's own counters, which also go to
        // the caller's registry (tests read them there)
        PrometheusMeterRegistry registry = OpsServer.newRegistry();
        MeterRegistry counters = new CompositeMeterRegistry(io.micrometer.core.instrument.Clock.SYSTEM, List.of(registry, meters));
        // every client opened here is closed again if a later step throws
        KafkaProducer<String, ChunkRecord> producer = null;
        HttpClient http = null;
        KafkaProducer<String, DeadLetter> deadLetters = null;
        KafkaConsumer<String, byte[]> requests = null;
        KafkaConsumer<String, byte[]> control = null;
        try {
            producer = new KafkaProducer<>(
                    config.kafka().clientConfig(producerDefaults(config)), new StringSerializer(), Serdes.CHUNK);
            http = UpstreamClient.create(Duration.ofMillis(config.connectTimeoutMs()));
            RunServices services = new RunServices(http, instrument.apply(producer),
                    new SessionLimits(config.readBufferBytes(), config.responseTimeoutMs(), config.stallTimeoutMs(),
                            config.maxSessionDurationMs(), config.maxResponseBytes(), config.producerDeliveryTimeoutMs() + 5_000),
                    new UpstreamRetryPolicy(config.retry()), new UpstreamBreakers(config.circuitBreaker()),
                    new SessionHistory(config.history().maxSessions()), clock, counters,
                    new FreezeFence(FREEZE_THRESHOLD, FREEZE_TICK, FREEZE_MAX_HOLD, nanoClock, counters), telemetry,
                    new GenAiMeters(counters));
            // its own small producer: the chunk producer is typed for rewind.chunks, and a dead letter is rare
            deadLetters = new KafkaProducer<>(
                    config.kafka().clientConfig(deadLetterProducer()), new StringSerializer(), Serdes.DEAD_LETTER);
            UnusableRecords unusable = new UnusableRecords(deadLetters, counters);
            TaskFailures failures = new TaskFailures(counters);
            PendingCancels pending = new PendingCancels(config.cancels().pendingMax(),
                    Duration.ofMillis(config.cancels().pendingTtlMs()), clock);
            requests = new KafkaConsumer<>(config.kafka().clientConfig(requestConsumer(config)), new StringDeserializer(),
                    new ByteArrayDeserializer());
            control = new KafkaConsumer<>(config.kafka().clientConfig(controlConsumer()), new StringDeserializer(),
                    new ByteArrayDeserializer());
            IngestWorker worker = new IngestWorker(
                    requests,
                    () -> new KafkaConsumer<>(config.kafka().clientConfig(historyConsumer()), new StringDeserializer(),
                            new ByteArrayDeserializer()),
                    Topics.REQUESTS, upstreams, services, pending, Duration.ofMillis(config.history().lookbackMs()),
                    config.maxConcurrentStreams(), config.queue(), unusable, failures);
            CancelListener cancels = new CancelListener(
                    control,
                    worker::cancel, Duration.ofMillis(config.cancels().pendingTtlMs()), clock, unusable, failures);
            IngestService service = new IngestService(config, worker, cancels, producer, deadLetters, http, registry, telemetry);
            LOG.info("ingest started: upstreams {}, at most {} concurrent streams", upstreams.keySet(), config.maxConcurrentStreams());
            return service;
        } catch (RuntimeException | Error e) {
            CloseSteps.afterFailure(e, CloseSteps.closing(control), CloseSteps.closing(requests),
                    CloseSteps.closing(deadLetters), CloseSteps.closing(http), CloseSteps.closing(producer),
                    registry::close, telemetry::close);
            throw e;
        }
    }

    static Map<String, Object> producerDefaults(IngestConfig config) {
        return Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // a few ms of linger batch the reads of many sessions into one produce request per partition
                ProducerConfig.LINGER_MS_CONFIG, config.producerLingerMs(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                // bounded buffer: when Kafka is away, sends fail instead of memory growing
                ProducerConfig.BUFFER_MEMORY_CONFIG, config.producerBufferBytes(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) config.producerDeliveryTimeoutMs(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, config.producerRequestTimeoutMs(),
                ProducerConfig.CLIENT_ID_CONFIG, "rewind-ingest-chunks");
    }

    static Map<String, Object> deadLetterProducer() {
        return Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.CLIENT_ID_CONFIG, "rewind-ingest-dlq");
    }

    static Map<String, Object> requestConsumer(IngestConfig config) {
        return Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, config.groupId(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100,
                // a joining or leaving worker moves only the partitions that must move (their sessions are handed over)
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                // a dead worker's sessions move to another after this long
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_500,
                ConsumerConfig.CLIENT_ID_CONFIG, "rewind-ingest-requests");
    }

    /** Every worker reads all of rewind.control itself: no group, no commits. */
    static Map<String, Object> controlConsumer() {
        return Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.CLIENT_ID_CONFIG, "rewind-ingest-control");
    }

    static Map<String, Object> historyConsumer() {
        return Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000,
                ConsumerConfig.CLIENT_ID_CONFIG, "rewind-ingest-history");
    }

    public int inFlight() {
        return worker.inFlight();
    }

    /** Stops taking new sessions, lets running ones finish for a bounded time, then closes the clients. */
    @Override
    public void close() {
        if (ops != null) {
            ops.close();
        }
        worker.stop();
        cancels.stop();
        try {
            requestLoop.join(Duration.ofSeconds(10));
            cancelLoop.join(Duration.ofSeconds(5));
            if (!worker.awaitSessions(Duration.ofSeconds(2))) {
                LOG.warn("sessions still running at shutdown; their requests are re-read by the next owner");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producerMetrics.close();
        producer.close(Duration.ofSeconds(5));
        deadLetters.close(Duration.ofSeconds(5));
        // not close(), which waits for every exchange to end: a session still reading an upstream that does
        // not stop (its 2 s above ran out) would hold the shutdown for as long as that upstream streams
        http.shutdownNow();
        try {
            if (!http.awaitTermination(Duration.ofSeconds(5))) {
                LOG.warn("the upstream HTTP client did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (kafka != null) {
            kafka.close();
        }
        telemetry.close(); // last: the sessions' spans end as they stop
    }
}
