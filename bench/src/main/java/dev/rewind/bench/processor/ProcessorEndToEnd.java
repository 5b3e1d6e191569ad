package dev.rewind.bench.processor;

import dev.rewind.kafkatest.EmbeddedTestBroker;
import dev.rewind.processor.ProcessorConfig;
import dev.rewind.processor.StreamProcessor;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The stream processor end to end against a real (embedded, single-node) broker, for each
 * {@code commit.interval.ms}: throughput — a backlog of Chat Completions chunks (one token per
 * record, as upstream reads come) processed into committed token events, tokens/s — and added
 * latency — tokens of paced sessions from the chunk's send to a {@code read_committed} reader,
 * p50/p99, next to the same records' latency through {@code rewind.chunks} alone (the broker's
 * share). Everything runs in this JVM on this machine's cores: broker, producer, processor, reader.
 *
 * <pre>
 * java -cp bench/target/rewind-bench.jar dev.rewind.bench.processor.ProcessorEndToEnd [intervals, e.g. 5,10,20,100]
 *   -Dbacklog.tokens=60000 -Dsessions=20 -Dtokens.per.second=50 -Dseconds=15 -Dthreads=2
 * </pre>
 */
public final class ProcessorEndToEnd {

    private static final int BACKLOG_TOKENS = Integer.getInteger("backlog.tokens", 60_000);
    private static final int SESSIONS = Integer.getInteger("sessions", 20);
    private static final int TOKENS_PER_SECOND = Integer.getInteger("tokens.per.second", 50);
    private static final int SECONDS = Integer.getInteger("seconds", 15);
    private static final int THREADS = Integer.getInteger("threads", 2);
    private static final int WARMUP_SECONDS = 3;

    private ProcessorEndToEnd() {}

    public static void main(String[] args) throws Exception {
        List<Long> intervals = Arrays.stream((args.length > 0 ? args[0] : "5,10,20,100").split(",")).map(Long::parseLong).toList();
        System.out.printf("cores %d, %d stream threads; backlog %d tokens; latency: %d sessions x %d tokens/s for %d s%n",
                Runtime.getRuntime().availableProcessors(), THREADS, BACKLOG_TOKENS, SESSIONS, TOKENS_PER_SECOND, SECONDS);
        // the first run in a fresh JVM is slow whatever its interval (class loading, JIT of broker and clients): it is not a result
        try (EmbeddedTestBroker broker = EmbeddedTestBroker.start()) {
            broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(6));
            System.out.print("warm-up (not a result): ");
            run(broker.bootstrapServers(), intervals.getFirst());
        }
        System.out.println("| commit.interval.ms | tokens/s (backlog) | token p50 ms | token p99 ms | chunk p50 ms | chunk p99 ms | tokens measured |");
        for (long interval : intervals) {
            try (EmbeddedTestBroker broker = EmbeddedTestBroker.start()) {
                broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(6));
                run(broker.bootstrapServers(), interval);
            }
        }
    }

    private static void run(String bootstrap, long interval) throws Exception {
        Path state = Files.createTempDirectory("rewind-bench-processor");
        try (KafkaProducer<String, ChunkRecord> chunks = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 0,
                "acks", "all"), new StringSerializer(), Serdes.CHUNK)) {
            List<String> backlog = sessions(chunks, SESSIONS);
            for (int i = 0; i < BACKLOG_TOKENS; i++) {
                chunks.send(chunk(backlog.get(i % backlog.size()), i / backlog.size() + 1, ProviderStreams.chatChunk(ProviderStreams.token(i))));
            }
            chunks.flush();

            Reader tokens = new Reader(bootstrap, Topics.TOKENS, "read_committed");
            long started = System.nanoTime();
            try (StreamProcessor processor = StreamProcessor.start(config(bootstrap, state, interval))) {
                long running = System.nanoTime();
                long expected = BACKLOG_TOKENS + backlog.size(); // each session's start event, then its tokens
                while (tokens.count() < expected && System.nanoTime() - running < Duration.ofMinutes(5).toNanos()) {
                    LockSupport.parkNanos(5_000_000);
                }
                double tokensPerSecond = BACKLOG_TOKENS / ((tokens.lastAt() - running) / 1e9);

                Reader chunkLatency = new Reader(bootstrap, Topics.CHUNKS, "read_uncommitted");
                tokens.latencies.clear();
                paced(chunks, sessions(chunks, SESSIONS));
                LockSupport.parkNanos(Duration.ofSeconds(2).toNanos()); // the last commits
                System.out.printf("| %d | %,.0f | %.1f | %.1f | %.1f | %.1f | %d |%n", interval, tokensPerSecond,
                        tokens.percentile(50), tokens.percentile(99), chunkLatency.percentile(50), chunkLatency.percentile(99),
                        tokens.latencies.size());
                System.out.printf("  (start to RUNNING %d ms)%n", (running - started) / 1_000_000);
                chunkLatency.close();
            } finally {
                tokens.close();
            }
        }
    }

    /** Sessions at an upstream's pace, each token's send time in its text, measured after a warm-up. */
    private static void paced(KafkaProducer<String, ChunkRecord> chunks, List<String> sessions) {
        long start = System.nanoTime();
        long periodNanos = 1_000_000_000L / TOKENS_PER_SECOND;
        for (long tick = 0; ; tick++) {
            long due = start + tick * periodNanos;
            if (due - start > Duration.ofSeconds(SECONDS).toNanos()) {
                return;
            }
            LockSupport.parkNanos(due - System.nanoTime());
            boolean measured = due - start > Duration.ofSeconds(WARMUP_SECONDS).toNanos();
            for (String session : sessions) {
                String text = (measured ? "m" : "w") + System.nanoTime();
                chunks.send(chunk(session, tick + 1, ProviderStreams.chatChunk(text)));
            }
        }
    }

    private static List<String> sessions(KafkaProducer<String, ChunkRecord> chunks, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = SessionIds.newId();
            ids.add(id);
            chunks.send(new ProducerRecord<>(Topics.CHUNKS, id, new ChunkRecord.AttemptStarted(id, 1, 200, "text/event-stream",
                    "bench", "gpt-4.1", ProviderFormat.OPENAI_CHAT, Instant.now())));
        }
        return ids;
    }

    private static ProducerRecord<String, ChunkRecord> chunk(String session, long seq, String body) {
        return new ProducerRecord<>(Topics.CHUNKS, session, new ChunkRecord.Chunk(session, 1, seq, ProviderFormat.OPENAI_CHAT,
                body.getBytes(StandardCharsets.UTF_8), Instant.now()));
    }

    private static ProcessorConfig config(String bootstrap, Path state, long interval) {
        return ConfigLoader.load(ProcessorConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 6}
                ops: {host: 127.0.0.1, port: 0}
                application_id: bench-%d
                state_dir: "%s"
                commit_interval_ms: %d
                num_stream_threads: %d
                """.formatted(bootstrap, interval, state, interval, THREADS)), Map.of(), ConfigLoader.KAFKA_DEFAULTS,
                "stream-processor-defaults.yaml");
    }

    /**
     * A tailing reader of one topic: counts records, and for records whose token text (or chunk
     * body) carries a measured send time, keeps the latency.
     */
    private static final class Reader implements AutoCloseable {
        final List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private volatile long count;
        private volatile long lastAt;

        Reader(String bootstrap, String topic, String isolation) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                        "isolation.level", isolation, "enable.auto.commit", false, "fetch.max.wait.ms", 10),
                        new StringDeserializer(), new ByteArrayDeserializer())) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                    consumer.assign(partitions);
                    if (topic.equals(Topics.CHUNKS)) {
                        consumer.seekToEnd(partitions);
                        partitions.forEach(consumer::position);
                    } else {
                        consumer.seekToBeginning(partitions);
                    }
                    while (running.get()) {
                        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                            long now = System.nanoTime();
                            count++;
                            lastAt = now;
                            measure(topic, record.headers(), record.value(), now);
                        }
                    }
                }
            });
        }

        private void measure(String topic, org.apache.kafka.common.header.Headers headers, byte[] value, long now) {
            String sent = null;
            if (topic.equals(Topics.TOKENS)) {
                if (!new String(value, StandardCharsets.UTF_8).contains("\"text\":\"m")) {
                    return; // not a measured token: no need to parse it
                }
                TokenEvent event = Serdes.TOKEN.deserialize(topic, value);
                if (event instanceof TokenEvent.Token token && token.text().startsWith("m")) {
                    sent = token.text().substring(1);
                }
            } else if (Serdes.CHUNK.deserialize(topic, headers, value) instanceof ChunkRecord.Chunk chunk) {
                String body = new String(chunk.bytes(), StandardCharsets.UTF_8);
                int at = body.indexOf("\"content\":\"m");
                if (at >= 0) {
                    sent = body.substring(at + 12, body.indexOf('"', at + 12));
                }
            }
            if (sent != null) {
                latencies.add(now - Long.parseLong(sent));
            }
        }

        long count() {
            return count;
        }

        long lastAt() {
            return lastAt;
        }

        double percentile(double p) {
            List<Long> sorted;
            synchronized (latencies) {
                sorted = new ArrayList<>(latencies);
            }
            if (sorted.isEmpty()) {
                return Double.NaN;
            }
            sorted.sort(null);
            return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1)) / 1e6;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(5));
        }
    }
}
