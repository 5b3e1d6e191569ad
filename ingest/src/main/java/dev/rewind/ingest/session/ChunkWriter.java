package dev.rewind.ingest.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Topics;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;

/**
 * Writes one session's records to {@code rewind.chunks}, in order (one thread, one idempotent
 * producer, one key). The first failed send of the current attempt is remembered so that the
 * session stops reading upstream instead of reading bytes it could not keep; markers that must be
 * in the topic are delivered, waiting for Kafka for as long as it is away.
 */
final class ChunkWriter {

    private final Producer<String, ChunkRecord> producer;
    private final String sessionId;
    private final long retryPauseMs;
    private volatile Exception failure;
    /** Failures of an earlier attempt's sends, reported late, must not fail the current one. */
    private volatile int generation;
    private Future<RecordMetadata> last;

    ChunkWriter(Producer<String, ChunkRecord> producer, String sessionId, long retryPauseMs) {
        this.producer = producer;
        this.sessionId = sessionId;
        this.retryPauseMs = retryPauseMs;
    }

    /** Sends without waiting; a failure shows in {@link #failure()}. */
    void send(ChunkRecord record) {
        int sentIn = generation;
        last = producer.send(new ProducerRecord<>(Topics.CHUNKS, sessionId, record), (metadata, error) -> {
            if (error != null && failure == null && sentIn == generation) {
                failure = error;
            }
        });
    }

    /**
     * Sends {@code record} and waits until Kafka has it. While Kafka refuses, the send is repeated
     * after each definite failure — never while one is still pending, so a marker is not written twice.
     * Clears the remembered failure: from here on, sends belong to what comes next.
     */
    void deliver(ChunkRecord record) throws InterruptedException {
        while (true) {
            try {
                last = producer.send(new ProducerRecord<>(Topics.CHUNKS, sessionId, record));
                last.get();
                generation++;
                failure = null;
                return;
            } catch (ExecutionException e) {
                Thread.sleep(retryPauseMs); // Kafka is away: ask again in a moment
            } catch (InterruptException e) {
                throw new InterruptedException("interrupted while waiting for Kafka");
            }
        }
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
