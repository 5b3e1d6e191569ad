package dev.rewind.edge.hub;

import dev.rewind.edge.EdgeConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's one kind of pool of assign-only {@code read_committed} consumers for reading a
 * session's past by seek: replay for streams ({@link #forStreams}) and the session API's reads of
 * one session's records ({@link #forSessionReads}), each its own instance so an audit burst cannot
 * starve resumes. The rules are the same for both: a caller borrows a reader for one bounded read
 * and gives it back (a slow client never holds one while it writes); it waits for one at most
 * {@code replay.acquire_timeout_ms}, fairly, and only then is refused ({@link BusyException}, a 503
 * with Retry-After); every metadata call has a timeout; a reader one of whose calls failed is closed,
 * never handed to the next caller; and a reader given back while the pool closes is closed, not leaked.
 */
public final class ReplayReaders implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayReaders.class);

    /** Every reader was busy for the whole wait. */
    public static final class BusyException extends Exception {
        BusyException(String message) {
            super(message, null, false, false);
        }
    }

    /** The first and the next-to-be-written offset of a partition (read_committed: the last stable offset). */
    public record Bounds(long beginning, long end) {}

    /** The records of one session found by a {@link Reader#read}, and the offset the read reached. */
    record Read(List<ConsumerRecord<String, byte[]>> records, long reached) {}

    /** Sees a session's records in partition order; returns false when it needs no more. */
    @FunctionalInterface
    public interface Visitor<E extends Exception> {
        boolean visit(ConsumerRecord<String, byte[]> record) throws E;
    }

    private final Map<String, Object> consumerConfig;
    private final Semaphore permits;
    private final long acquireTimeoutMs;
    private final Duration metadataTimeout;
    private final long readBudgetMs;
    private final Duration poll;
    private final ConcurrentLinkedQueue<KafkaConsumer<String, byte[]>> idle = new ConcurrentLinkedQueue<>();
    private final Counter reads;
    private final Counter refused;
    private final Counter discarded;
    private final Counter created;
    private volatile boolean closed;

    /**
     * {@code size} readers at most, a wait of {@code acquireTimeoutMs} for one, {@code metadataTimeoutMs}
     * for each offsets lookup, polls of {@code pollMs}; meters named {@code metrics}.*.
     */
    ReplayReaders(String metrics, Map<String, Object> consumerConfig, int size, long acquireTimeoutMs, long metadataTimeoutMs,
            long pollMs, MeterRegistry meters) {
        this.consumerConfig = consumerConfig;
        this.permits = new Semaphore(size, true);
        this.acquireTimeoutMs = acquireTimeoutMs;
        this.metadataTimeout = Duration.ofMillis(metadataTimeoutMs);
        this.poll = Duration.ofMillis(pollMs);
        // one borrow reads for at most this long, then the reader goes back to the pool
        this.readBudgetMs = Math.max(200, 4 * pollMs);
        this.reads = Counter.builder(metrics + ".reads").description("bounded reads of a session's past by seek")
                .register(meters);
        this.refused = Counter.builder(metrics + ".refused").description("reads refused because every reader stayed busy for the whole wait")
                .register(meters);
        this.discarded = Counter.builder(metrics + ".discarded").description("readers closed after one of their calls failed")
                .register(meters);
        this.created = Counter.builder(metrics + ".created")
                .description("readers created (a steady rise means readers are being discarded)").register(meters);
        Gauge.builder(metrics + ".busy", permits, p -> size - p.availablePermits())
                .description("readers in use").register(meters);
    }

    /** The pool behind every stream's replay: {@code replay.readers}, meters {@code rewind.edge.replay.*}. */
    public static ReplayReaders forStreams(EdgeConfig config, MeterRegistry meters) {
        return new ReplayReaders("rewind.edge.replay", config.kafka().clientConfig(consumerDefaults("rewind-edge-replay", "none")),
                config.replay().readers(), config.replay().acquireTimeoutMs(), config.replay().metadataTimeoutMs(),
                config.sse().pollMs(), meters);
    }

    /**
     * The pool behind the session API's reads (transcript, prompt, upstream bytes):
     * {@code audit.max_concurrent_reads}, meters {@code rewind.edge.session_reads.*}.
     */
    public static ReplayReaders forSessionReads(EdgeConfig config, MeterRegistry meters) {
        // a position that retention passed starts at the oldest record: these reads scan, they verify no cursor
        return new ReplayReaders("rewind.edge.session_reads",
                config.kafka().clientConfig(consumerDefaults("rewind-edge-session-reader", "earliest")),
                config.audit().maxConcurrentReads(), config.replay().acquireTimeoutMs(),
                Math.min(config.audit().readTimeoutMs(), config.replay().metadataTimeoutMs()), 200, meters);
    }

    /** Rewind's settings for a reader: read_committed, no group, bounded fetches; {@code reset} for a position outside the log. */
    static Map<String, Object> consumerDefaults(String clientId, String reset) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put("isolation.level", "read_committed");
        defaults.put("enable.auto.commit", false);
        defaults.put("auto.offset.reset", reset);
        defaults.put("max.poll.records", 500);
        // bounds each reader's fetch buffer: the pool's size of these at most
        defaults.put("fetch.max.bytes", 1 << 20);
        defaults.put("max.partition.fetch.bytes", 1 << 20);
        // history is there already: never let a fetch wait at the broker for new data, since the
        // next borrower's seek waits for an in-flight fetch to come back
        defaults.put("fetch.max.wait.ms", 10);
        defaults.put("client.id", clientId);
        return Map.copyOf(defaults);
    }

    /** Borrows a reader, waiting (fairly) up to {@code replay.acquire_timeout_ms} for one. */
    public Reader acquire() throws BusyException, InterruptedException {
        if (closed || !permits.tryAcquire(acquireTimeoutMs, TimeUnit.MILLISECONDS)) {
            refused.increment();
            throw new BusyException("every replay reader stayed busy for " + acquireTimeoutMs + " ms; retry shortly");
        }
        KafkaConsumer<String, byte[]> consumer = idle.poll();
        if (consumer == null) {
            try {
                consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
                created.increment();
            } catch (RuntimeException e) {
                permits.release();
                throw e;
            }
        }
        reads.increment();
        return new Reader(consumer);
    }

    /** Readers created so far: pooling means reads one after another share one. */
    public long created() {
        return (long) created.count();
    }

    /** One borrowed consumer; closing gives it back, or closes it after a failed call. Used by one thread at a time. */
    public final class Reader implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private boolean failed;
        private boolean returned;

        private Reader(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        public Bounds bounds(TopicPartition tp) {
            boolean ok = false;
            try {
                Bounds bounds = new Bounds(consumer.beginningOffsets(List.of(tp), metadataTimeout).get(tp),
                        consumer.endOffsets(List.of(tp), metadataTimeout).get(tp));
                ok = true;
                return bounds;
            } finally {
                failed |= !ok;
            }
        }

        /** The next-to-be-written offset of the partition (read_committed: the last stable offset): one request. */
        public long end(TopicPartition tp) {
            boolean ok = false;
            try {
                long end = consumer.endOffsets(List.of(tp), metadataTimeout).get(tp);
                ok = true;
                return end;
            } finally {
                failed |= !ok;
            }
        }

        /**
         * The first offset at or after {@code epochMillis} in Kafka's time index (never below the log's
         * start), or the partition's end when nothing is that new: one request in the usual case.
         */
        public long offsetAt(TopicPartition tp, long epochMillis) {
            boolean ok = false;
            try {
                OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, Math.max(0, epochMillis)), metadataTimeout).get(tp);
                long offset = found == null ? consumer.endOffsets(List.of(tp), metadataTimeout).get(tp) : found.offset();
                ok = true;
                return offset;
            } finally {
                failed |= !ok;
            }
        }

        /**
         * Reads {@code sessionId}'s records from {@code from} up to (not including) {@code until}:
         * returns as soon as some are found, {@code until} is reached, or the read budget is spent.
         * Other sessions' records are skipped by key, unparsed.
         */
        Read read(TopicPartition tp, String sessionId, long from, long until) {
            boolean ok = false;
            try {
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
                    reached = Math.min(until, consumer.position(tp, metadataTimeout));
                }
                ok = true;
                return new Read(found, reached);
            } finally {
                failed |= !ok;
            }
        }

        /**
         * Hands {@code sessionId}'s records from {@code from} up to (not including) {@code until} to
         * {@code visitor}, in order, until it returns false; false when {@code deadlineNanos}
         * (a {@link System#nanoTime} instant) passed first.
         */
        public <E extends Exception> boolean scan(TopicPartition tp, String sessionId, long from, long until, long deadlineNanos,
                Visitor<E> visitor) throws E {
            boolean ok = false;
            try {
                position(tp, from);
                boolean complete = scanned(tp, sessionId, until, deadlineNanos, visitor);
                ok = true;
                return complete;
            } finally {
                failed |= !ok;
            }
        }

        private <E extends Exception> boolean scanned(TopicPartition tp, String sessionId, long until, long deadlineNanos,
                Visitor<E> visitor) throws E {
            while (consumer.position(tp, metadataTimeout) < until) {
                if (System.nanoTime() > deadlineNanos) {
                    return false;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(poll).records(tp)) {
                    if (record.offset() >= until) {
                        return true;
                    }
                    if (sessionId.equals(record.key()) && record.value() != null && !visitor.visit(record)) {
                        return true;
                    }
                }
            }
            return true;
        }

        private void position(TopicPartition tp, long offset) {
            if (!consumer.assignment().equals(Set.of(tp))) {
                consumer.assign(List.of(tp));
            }
            consumer.seek(tp, offset);
        }

        @Override
        public void close() {
            if (returned) {
                return;
            }
            returned = true;
            try {
                if (failed) {
                    // a failed call may leave the client in any state: never hand it to the next caller
                    discarded.increment();
                    closeQuietly(consumer);
                } else {
                    idle.add(consumer);
                    // the pool may have closed meanwhile: whoever takes the consumer out of idle closes it
                    if (closed && idle.remove(consumer)) {
                        closeQuietly(consumer);
                    }
                }
            } finally {
                permits.release();
            }
        }
    }

    private static void closeQuietly(KafkaConsumer<String, byte[]> consumer) {
        try {
            consumer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.debug("closing a replay reader: {}", e.toString());
        }
    }

    /** Readers waiting in the pool (for tests: none is left behind once the pool closed). */
    int idleCount() {
        return idle.size();
    }

    /** Closes the idle readers; a borrowed one is closed when it comes back. */
    @Override
    public void close() {
        closed = true;
        for (KafkaConsumer<String, byte[]> consumer = idle.poll(); consumer != null; consumer = idle.poll()) {
            closeQuietly(consumer);
        }
    }
}
