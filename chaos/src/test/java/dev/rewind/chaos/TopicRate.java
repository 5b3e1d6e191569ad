package dev.rewind.chaos;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts the records that become readable in one topic per five seconds, from a tail that starts at
 * the end: for {@code rewind.tokens} read_committed this is what the processors committed, for
 * {@code rewind.chunks} what ingest wrote — set beside what clients received, it says which hop stalled;
 * per partition, whether a stall held back every partition (a starved stream thread) or a few (an
 * open transaction holding their last stable offset).
 */
final class TopicRate implements AutoCloseable {

    private static final int BUCKETS = 120;

    private static final int MAX_PARTITIONS = 64;

    private final AtomicLongArray perFiveSeconds = new AtomicLongArray(BUCKETS * MAX_PARTITIONS);
    private volatile int partitionCount;
    private final long startNanos;
    private final Thread tail;
    private volatile boolean running = true;

    TopicRate(String bootstrap, String topic, String isolation, long startNanos) {
        this.startNanos = startNanos;
        this.tail = Thread.ofPlatform().daemon().name("rate-" + topic).start(() -> tail(bootstrap, topic, isolation));
    }

    private void tail(String bootstrap, String topic, String isolation) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "isolation.level", isolation, "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            partitionCount = Math.min(MAX_PARTITIONS, partitions.size());
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                int bucket = (int) Math.min(BUCKETS - 1, (System.nanoTime() - startNanos) / TimeUnit.SECONDS.toNanos(5));
                for (TopicPartition tp : records.partitions()) {
                    if (tp.partition() < MAX_PARTITIONS) {
                        perFiveSeconds.addAndGet(tp.partition() * BUCKETS + Math.max(0, bucket), records.records(tp).size());
                    }
                }
            }
        } catch (RuntimeException e) {
            System.out.println("rate tail of " + topic + " stopped: " + e);
        }
    }

    /** Records per five seconds since the start, up to the last non-empty bucket. */
    String timeline() {
        long[] counts = new long[BUCKETS];
        for (int p = 0; p < partitionCount; p++) {
            for (int i = 0; i < BUCKETS; i++) {
                counts[i] += perFiveSeconds.get(p * BUCKETS + i);
            }
        }
        return trimmed(counts, lastBucket());
    }

    /** The same per partition, one line each. */
    String timelineByPartition() {
        int last = lastBucket();
        StringBuilder lines = new StringBuilder();
        for (int p = 0; p < partitionCount; p++) {
            long[] counts = new long[BUCKETS];
            for (int i = 0; i < BUCKETS; i++) {
                counts[i] = perFiveSeconds.get(p * BUCKETS + i);
            }
            lines.append("  partition ").append(p).append(": ").append(trimmed(counts, last)).append('\n');
        }
        return lines.toString();
    }

    private int lastBucket() {
        int last = 0;
        for (int i = 0; i < BUCKETS * MAX_PARTITIONS; i++) {
            if (perFiveSeconds.get(i) > 0) {
                last = Math.max(last, i % BUCKETS);
            }
        }
        return last;
    }

    private static String trimmed(long[] counts, int last) {
        return Arrays.toString(Arrays.copyOf(counts, last + 1));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        tail.join(Duration.ofSeconds(10));
    }
}
