package dev.rewind.ingest.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkSerde;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes one session's records to {@code rewind.chunks}, in order (one thread, one idempotent
 * producer, one key). The first failed send of the current attempt is remembered so that the
 * session stops reading upstream instead of reading bytes it could not keep; markers that must be
 * in the topic are delivered, waiting for Kafka for as long as it is away. Only an error Kafka calls
 * retriable (and a timeout, which is one) is worth waiting out; any other refusal is final
 * ({@link ChunkWriteRefused}). Every failed write is counted in
 * {@code rewind.ingest.chunk_writes.failed{cause}}. Every write first passes the worker's
 * {@link FreezeFence}: after a freeze it waits until the worker knows it still owns the session.
 */
final class ChunkWriter {

    private final Producer<String, ChunkRecord> producer;
    private final String sessionId;
    private final long retryPauseMs;
    private final MeterRegistry meters;
    private final FreezeFence fence;
    /** The run's writer generation ({@link ChunkSerde#WRITER_GENERATION}), on every record it writes. */
    private final Header writerGeneration;
    private volatile Exception failure;
    /** Failures of an earlier attempt's sends, reported late, must not fail the current one. */
    private volatile int generation;
    private Future<RecordMetadata> last;
    /** Where the trace headers of each record come from; none until a run sets it. */
    private SessionTrace trace;

    ChunkWriter(RunServices services, String sessionId, int writerGeneration, long retryPauseMs) {
        this.producer = services.producer();
        this.writerGeneration = ChunkSerde.writerGeneration(writerGeneration);
        this.fence = services.fence();
        this.sessionId = sessionId;
        this.retryPauseMs = retryPauseMs;
        this.meters = services.meters();
    }

    /** From here every record carries {@code trace}'s current headers (built per session and attempt, shared by records). */
    void traceWith(SessionTrace trace) {
        this.trace = trace;
    }

    /** A record of its own headers each time (the serializer adds the chunk's to them): the run's generation, then its trace. */
    private ProducerRecord<String, ChunkRecord> recordOf(ChunkRecord record) {
        RecordHeaders headers = new RecordHeaders(new Header[] {writerGeneration});
        List<Header> traced = trace == null ? null : trace.headers(); // null while tracing is off
        if (traced != null) {
            traced.forEach(headers::add);
        }
        return new ProducerRecord<>(Topics.CHUNKS, null, sessionId, record, headers);
    }

    /**
     * Sends without waiting for Kafka; a failure shows in {@link #failure()}. Waits only while the
     * freeze fence is up.
     */
    void send(ChunkRecord record) throws InterruptedException {
        fence.awaitLifted();
        int sentIn = generation;
        last = producer.send(recordOf(record), (metadata, error) -> {
            if (error != null && failure == null && sentIn == generation) {
                failure = error;
                counted(error);
            }
        });
    }

    /**
     * Sends {@code record} and waits until Kafka has it. While Kafka is away (a retriable error), the
     * send is repeated after each definite failure — never while one is still pending, so a marker is
     * not written twice. Clears the remembered failure: from here on, sends belong to what comes next.
     *
     * @throws ChunkWriteRefused when Kafka refuses the record for good
     * @throws FreezeFence.HeldTooLong when a freeze fence stays up too long
     */
    void deliver(ChunkRecord record) throws InterruptedException {
        while (true) {
            Throwable error;
            fence.awaitLifted();
            try {
                last = producer.send(recordOf(record));
                last.get();
                generation++;
                failure = null;
                return;
            } catch (ExecutionException e) {
                error = e.getCause();
            } catch (InterruptException e) {
                throw new InterruptedException("interrupted while waiting for Kafka");
            } catch (KafkaException e) {
                error = e; // refused before it was sent: a full buffer or missing metadata (retriable), or worse
            }
            counted(error);
            if (!(error instanceof RetriableException)) {
                throw new ChunkWriteRefused(error);
            }
            Thread.sleep(retryPauseMs); // Kafka is away: ask again in a moment
        }
    }

    /** Throws when the remembered failure is one that asking again cannot mend. */
    void throwIfRefused() {
        Exception failed = failure;
        if (failed != null && !(failed instanceof RetriableException)) {
            throw new ChunkWriteRefused(failed);
        }
    }

    private void counted(Throwable error) {
        Counter.builder("rewind.ingest.chunk_writes.failed").tag("cause", error.getClass().getSimpleName())
                .description("writes to rewind.chunks that Kafka refused or timed out").register(meters).increment();
    }

    /** The first send of the current attempt that failed, if any. */
    Exception failure() {
        return failure;
    }

    /** Waits until every record sent so far is acknowledged (per-partition order makes the last one enough). */
    void awaitAcknowledged(long timeoutMs) throws InterruptedException, TimeoutException {
        if (last == null) {
            return;
        }
        try {
            last.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (failure == null) {
                failure = (Exception) e.getCause();
            }
        }
    }
}
