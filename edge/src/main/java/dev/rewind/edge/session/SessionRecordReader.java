package dev.rewind.edge.session;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.protocol.SessionPartitioner;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads one session's records of {@code rewind.requests}, {@code rewind.chunks} or
 * {@code rewind.tokens} with a reader borrowed from the edge's replay-reader pool (its own
 * instance, {@link ReplayReaders#forSessionReads}, so these reads and stream resumes never starve
 * each other): the partition follows from the key, the first offset from the time index at
 * created_at minus the skew margin, and the read ends at the partition's end as of opening (or when
 * the visitor has what it needs). Values of other sessions are never parsed. At most
 * {@code audit.max_concurrent_reads} run at once and each is bounded in time; a read that finds no
 * reader within {@code replay.acquire_timeout_ms}, or runs out of time, is answered 503.
 */
final class SessionRecordReader implements AutoCloseable {

    /** Sees the session's records in partition order; returns false when it needs no more. */
    @FunctionalInterface
    interface Visitor extends ReplayReaders.Visitor<IOException> {}

    private final ReplayReaders readers;
    private final int partitions;
    private final long skewMarginMs;
    private final long timeoutNanos;

    SessionRecordReader(EdgeConfig config, int partitions, MeterRegistry meters) {
        this.readers = ReplayReaders.forSessionReads(config, meters);
        this.partitions = partitions;
        this.skewMarginMs = config.replay().skewMarginMs();
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.audit().readTimeoutMs());
    }

    void read(String topic, String sessionId, Instant createdAt, Visitor visitor) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        TopicPartition tp = new TopicPartition(topic, SessionPartitioner.partitionFor(sessionId, partitions));
        try (ReplayReaders.Reader reader = readers.acquire()) {
            long end = reader.end(tp);
            long first = Math.min(end, reader.offsetAt(tp, createdAt.minusMillis(skewMarginMs).toEpochMilli()));
            if (first < end && !reader.scan(tp, sessionId, first, end, deadline, visitor)) {
                throw ProblemException.unavailable("reading the session from " + topic + " took too long; try again", 1);
            }
        } catch (ReplayReaders.BusyException e) {
            throw ProblemException.unavailable("too many session reads at once; try again shortly", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("interrupted; try again", 1);
        } catch (KafkaException e) {
            throw ProblemException.unavailable("the event log did not answer; try again shortly", 1);
        }
    }

    /** Readers created so far (for tests: pooling means sequential reads share one). */
    long consumersOpened() {
        return readers.created();
    }

    /** Closes the idle readers; a read still running closes its own when it ends. */
    @Override
    public void close() {
        readers.close();
    }
}
