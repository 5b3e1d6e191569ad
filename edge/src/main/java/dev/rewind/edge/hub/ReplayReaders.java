package dev.rewind.edge.hub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A small, bounded pool of assign-only {@code read_committed} consumers for positions older than
 * the hub's windows: resolving a cursor (offsets, the time index) and reading a session's past
 * events by seek. A connection borrows a reader for one bounded read and gives it back, so a slow
 * client never holds one while it writes. When all are busy for {@code acquire_timeout_ms} the
 * caller is refused ({@link BusyException}, a 503 before the stream starts).
 */
public final class ReplayReaders implements AutoCloseable {

    /** Every reader was busy for the whole wait. */
    public static final class BusyException extends Exception {
        BusyException(String message) {
            super(message, null, false, false);
        }
    }

    /** The first and the next-to-be-written offset of a partition (read_committed: the last stable offset). */
    record Bounds(long beginning, long end) {}

    /** The records of one session found by a {@link Reader#read}, and the offset the read reached. */
    record Read(List<ConsumerRecord<String, byte[]>> records, long reached) {}

    private final Map<String, Object> consumerConfig;
    private final Semaphore permits;
    private final long acquireTimeoutMs;
    private final long readBudgetMs;
    private final Duration poll;
    private final ConcurrentLinkedQueue<KafkaConsumer<String, byte[]>> idle = new ConcurrentLinkedQueue<>();
    private final Counter reads;
    private final Counter refused;
    private volatile boolean closed;

    public ReplayReaders(Map<String, Object> consumerConfig, int size, long acquireTimeoutMs, long pollMs, MeterRegistry meters) {
        this.consumerConfig = consumerConfig;
        this.permits = new Semaphore(size, true);
        this.acquireTimeoutMs = acquireTimeoutMs;
        this.poll = Duration.ofMillis(pollMs);
        // one borrow reads for at most this long, then the reader goes back to the pool
        this.readBudgetMs = Math.max(200, 4 * pollMs);
        this.reads = Counter.builder("rewind.edge.replay.reads").description("bounded reads of rewind.tokens by seek (replay)")
                .register(meters);
        this.refused = Counter.builder("rewind.edge.replay.refused").description("streams refused because every replay reader was busy")
                .register(meters);
        Gauge.builder("rewind.edge.replay.busy", permits, p -> size - p.availablePermits())
                .description("replay readers in use").register(meters);
    }

    /** Rewind's settings for a replay reader: read_committed, no group; a position outside the log is an error, not a silent jump. */
    public static Map<String, Object> consumerDefaults() {
        return Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                "auto.offset.reset", "none",
                "max.poll.records", 500,
                // history is there already: never let a fetch wait at the broker for new data, since the
                // next borrower's seek waits for an in-flight fetch to come back
                "fetch.max.wait.ms", 10,
                "client.id", "rewind-edge-replay");
    }

    /** Borrows a reader, waiting up to {@code acquire_timeout_ms}. */
    Reader acquire() throws BusyException, InterruptedException {
        if (closed || !permits.tryAcquire(acquireTimeoutMs, TimeUnit.MILLISECONDS)) {
            refused.increment();
            throw new BusyException("every replay reader is busy; retry shortly");
        }
        KafkaConsumer<String, byte[]> consumer = idle.poll();
        if (consumer == null) {
            try {
                consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
            } catch (RuntimeException e) {
                permits.release();
                throw e;
            }
        }
        reads.increment();
        return new Reader(consumer);
    }

    /** One borrowed consumer; closing gives it back. Used by one thread at a time. */
    final class Reader implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;

        private Reader(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        Bounds bounds(TopicPartition tp) {
            return new Bounds(consumer.beginningOffsets(List.of(tp)).get(tp), consumer.endOffsets(List.of(tp)).get(tp));
        }

        /** The first offset at or after {@code epochMillis} in Kafka's time index, or {@code end} when nothing is that new. */
        long offsetAt(TopicPartition tp, long epochMillis, long end) {
            OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, Math.max(0, epochMillis))).get(tp);
            return found == null ? end : found.offset();
        }

        /**
         * Reads {@code sessionId}'s records from {@code from} up to (not including) {@code until}:
         * returns as soon as some are found, {@code until} is reached, or the read budget is spent.
         * Other sessions' records are skipped by key, unparsed.
         */
        Read read(TopicPartition tp, String sessionId, long from, long until) {
            position(tp, from);
            List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
            long reached = from;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(readBudgetMs);
            while (found.isEmpty() && reached < until && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(poll).records(tp)) {
                    if (record.offset() >= until) {
                        break;
                    }
                    if (sessionId.equals(record.key()) && record.value() != null) {
                        found.add(record);
                    }
                }
                reached = Math.min(until, consumer.position(tp));
            }
            return new Read(found, reached);
        }

        private void position(TopicPartition tp, long offset) {
            if (!consumer.assignment().equals(java.util.Set.of(tp))) {
                consumer.assign(List.of(tp));
            }
            consumer.seek(tp, offset);
        }

        @Override
        public void close() {
            if (closed) {
                consumer.close(Duration.ZERO);
            } else {
                idle.add(consumer);
            }
            permits.release();
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, byte[]> consumer;
        while ((consumer = idle.poll()) != null) {
            consumer.close(Duration.ofSeconds(1));
        }
    }
}
