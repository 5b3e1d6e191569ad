package dev.rewind.ingest;

import dev.rewind.ingest.session.IngestWorker;
import dev.rewind.ingest.session.SessionLimits;
import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.Topics;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running ingest worker: provisions topics, then consumes start requests and streams upstream bytes into Kafka. */
public final class IngestService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

    private final IngestWorker worker;
    private final Thread loop;
    private final KafkaProducer<String, ChunkRecord> producer;
    private final HttpClient http;

    private IngestService(IngestWorker worker, KafkaProducer<String, ChunkRecord> producer, HttpClient http) {
        this.worker = worker;
        this.producer = producer;
        this.http = http;
        this.loop = Thread.ofPlatform().name("ingest-requests").start(worker);
    }

    /** Starts ingest; upstream keys are resolved from {@code env} (the process environment in production). */
    public static IngestService start(IngestConfig config, Map<String, String> env) {
        Map<String, Upstream> upstreams = Upstream.resolveAll(config.upstreams(), env);
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            TopicProvisioner.ensure(admin, config.topics());
        }
        KafkaProducer<String, ChunkRecord> producer = new KafkaProducer<>(
                config.kafka().clientConfig(producerDefaults(config)), new StringSerializer(), Serdes.CHUNK);
        KafkaConsumer<String, RequestRecord> consumer = new KafkaConsumer<>(
                config.kafka().clientConfig(consumerDefaults(config)), new StringDeserializer(), Serdes.REQUEST);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(config.connectTimeoutMs()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        SessionLimits limits = new SessionLimits(config.readBufferBytes(), config.responseTimeoutMs(),
                config.maxSessionDurationMs(), config.maxResponseBytes());
        IngestWorker worker = new IngestWorker(consumer, producer, Topics.REQUESTS, upstreams, http, limits,
                config.maxConcurrentStreams(), Clock.systemUTC());
        LOG.info("ingest started: upstreams {}, at most {} concurrent streams", upstreams.keySet(), config.maxConcurrentStreams());
        return new IngestService(worker, producer, http);
    }

    static Map<String, Object> producerDefaults(IngestConfig config) {
        return Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // linger 0: a chunk is sent the moment it is read; batches still form while requests are in flight
                ProducerConfig.LINGER_MS_CONFIG, config.producerLingerMs(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                // bounded buffer: when Kafka is away, sends fail instead of memory growing
                ProducerConfig.BUFFER_MEMORY_CONFIG, config.producerBufferBytes(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) config.producerDeliveryTimeoutMs(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, (int) config.producerDeliveryTimeoutMs()),
                ProducerConfig.CLIENT_ID_CONFIG, "rewind-ingest-chunks");
    }

    static Map<String, Object> consumerDefaults(IngestConfig config) {
        return Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, config.groupId(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100,
                ConsumerConfig.CLIENT_ID_CONFIG, "rewind-ingest-requests");
    }

    public int inFlight() {
        return worker.inFlight();
    }

    /** Stops taking new sessions, lets running ones finish for a bounded time, then closes the clients. */
    @Override
    public void close() {
        worker.stop();
        try {
            loop.join(Duration.ofSeconds(10));
            if (!worker.awaitSessions(Duration.ofSeconds(2))) {
                LOG.warn("sessions still running at shutdown; their requests are re-read by the next owner");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        http.close();
    }
}
