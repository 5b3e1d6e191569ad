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
 * {@code rewind.chunks} what ingest wrote — set beside what clients received, it says which hop stalled.
 */
final class TopicRate implements AutoCloseable {

    private static final int BUCKETS = 120;

    private final AtomicLongArray perFiveSeconds = new AtomicLongArray(BUCKETS);
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
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running) {
                int count = consumer.poll(Duration.ofMillis(200)).count();
                int bucket = (int) Math.min(BUCKETS - 1, (System.nanoTime() - startNanos) / TimeUnit.SECONDS.toNanos(5));
                perFiveSeconds.addAndGet(Math.max(0, bucket), count);
            }
        } catch (RuntimeException e) {
            System.out.println("rate tail of " + topic + " stopped: " + e);
        }
    }

    /** Records per five seconds since the start, up to the last non-empty bucket. */
    String timeline() {
        long[] counts = new long[BUCKETS];
        int last = 0;
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = perFiveSeconds.get(i);
            if (counts[i] > 0) {
                last = i;
            }
        }
        return Arrays.toString(Arrays.copyOf(counts, last + 1));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        tail.join(Duration.ofSeconds(10));
    }
}
