package dev.rewind.edge.session;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.SessionPartitioner;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads one session's records of {@code rewind.requests}, {@code rewind.chunks} or
 * {@code rewind.tokens} with a short-lived assign-only {@code read_committed} consumer: the
 * partition follows from the key, the first offset from the time index at created_at minus the
 * skew margin, and the read ends at the partition's end as of opening (or when the visitor has
 * what it needs). Values of other sessions are never parsed. At most {@code max_concurrent_reads}
 * run at once and each is bounded in time; beyond either the answer is 503, never a pile-up.
 * Consumers are pooled (at most one per permit), so a read does not pay for a new client and its
 * metadata fetch.
 */
final class SessionRecordReader implements AutoCloseable {

    /** Sees the session's records in partition order; returns false when it needs no more. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(ConsumerRecord<String, byte[]> record) throws IOException;
    }

    private final Map<String, Object> consumerConfig;
    private final int partitions;
    private final long skewMarginMs;
    private final Duration timeout;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<KafkaConsumer<String, byte[]>> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger opened = new AtomicInteger();
    private volatile boolean closed;

    SessionRecordReader(EdgeConfig config, int partitions) {
        this.consumerConfig = config.kafka().clientConfig(Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                "auto.offset.reset", "earliest",
                "max.poll.records", 500,
                // bounds each read's fetch buffer: max_concurrent_reads of these at once
                "fetch.max.bytes", 1 << 20,
                "max.partition.fetch.bytes", 1 << 20,
                // a pooled consumer's fetch left waiting at a log end would otherwise delay the next read's seek
                "fetch.max.wait.ms", 10,
                "client.id", "rewind-edge-session-reader"));
        this.partitions = partitions;
        this.skewMarginMs = config.replay().skewMarginMs();
        this.timeout = Duration.ofMillis(config.audit().readTimeoutMs());
        this.permits = new Semaphore(config.audit().maxConcurrentReads());
    }

    void read(String topic, String sessionId, Instant createdAt, Visitor visitor) throws IOException {
        if (closed || !permits.tryAcquire()) {
            throw ProblemException.unavailable("too many session reads at once; try again shortly", 1);
        }
        KafkaConsumer<String, byte[]> consumer = null;
        try {
            consumer = borrow();
            readWith(consumer, topic, sessionId, createdAt, visitor);
            consumer.unsubscribe(); // drops the assignment and its fetch buffers
            idle.add(consumer);
            consumer = null;
            if (closed) {
                close();
            }
        } finally {
            if (consumer != null) {
                // a failed read may leave the client in any state: never hand it to the next read
                consumer.close(Duration.ZERO);
            }
            permits.release();
        }
    }

    private KafkaConsumer<String, byte[]> borrow() {
        KafkaConsumer<String, byte[]> consumer = idle.poll();
        if (consumer == null) {
            consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
            opened.incrementAndGet();
        }
        return consumer;
    }

    private void readWith(KafkaConsumer<String, byte[]> consumer, String topic, String sessionId, Instant createdAt,
            Visitor visitor) throws IOException {
        TopicPartition tp = new TopicPartition(topic, SessionPartitioner.partitionFor(sessionId, partitions));
        consumer.assign(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
        long since = Math.max(0, createdAt.minusMillis(skewMarginMs).toEpochMilli());
        OffsetAndTimestamp first = consumer.offsetsForTimes(Map.of(tp, since), timeout).get(tp);
        if (first == null || first.offset() >= end) {
            return;
        }
        consumer.seek(tp, first.offset());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(tp) < end) {
            if (System.nanoTime() > deadline) {
                throw ProblemException.unavailable("reading the session from " + topic + " took too long; try again", 1);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() >= end) {
                    return;
                }
                if (sessionId.equals(record.key()) && record.value() != null && !visitor.visit(record)) {
                    return;
                }
            }
        }
    }

    /** Consumers created so far (for tests: pooling means sequential reads share one). */
    int consumersOpened() {
        return opened.get();
    }

    /** Closes the idle consumers; a read still running closes its own when it ends. */
    @Override
    public void close() {
        closed = true;
        for (KafkaConsumer<String, byte[]> consumer = idle.poll(); consumer != null; consumer = idle.poll()) {
            consumer.close(Duration.ZERO);
        }
    }
}
