package dev.rewind.edge.session;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.SessionPartitioner;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
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
 */
final class SessionRecordReader {

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

    SessionRecordReader(EdgeConfig config, int partitions) {
        this.consumerConfig = config.kafka().clientConfig(Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                "auto.offset.reset", "earliest",
                "max.poll.records", 500,
                // bounds each read's fetch buffer: max_concurrent_reads of these at once
                "fetch.max.bytes", 1 << 20,
                "max.partition.fetch.bytes", 1 << 20,
                "client.id", "rewind-edge-session-reader"));
        this.partitions = partitions;
        this.skewMarginMs = config.replay().skewMarginMs();
        this.timeout = Duration.ofMillis(config.audit().readTimeoutMs());
        this.permits = new Semaphore(config.audit().maxConcurrentReads());
    }

    void read(String topic, String sessionId, Instant createdAt, Visitor visitor) throws IOException {
        if (!permits.tryAcquire()) {
            throw ProblemException.unavailable("too many session reads at once; try again shortly", 1);
        }
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer())) {
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
        } finally {
            permits.release();
        }
    }
}
