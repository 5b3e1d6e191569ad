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

/**
 * Writes one session's records to {@code rewind.chunks}, in order (one thread, one idempotent
 * producer, one key). The first failed send is remembered so that the session stops reading
 * upstream instead of reading bytes it could not keep.
 */
final class ChunkWriter {

    private final Producer<String, ChunkRecord> producer;
    private final String sessionId;
    private volatile Exception failure;
    private Future<RecordMetadata> last;

    ChunkWriter(Producer<String, ChunkRecord> producer, String sessionId) {
        this.producer = producer;
        this.sessionId = sessionId;
    }

    void send(ChunkRecord record) {
        last = producer.send(new ProducerRecord<>(Topics.CHUNKS, sessionId, record), (metadata, error) -> {
            if (error != null && failure == null) {
                failure = error;
            }
        });
    }

    /**
     * Sends {@code record} and waits for Kafka's acknowledgement; after a failed send this is how
     * a session finds out that Kafka is back. Clears the remembered failure on success.
     */
    boolean sendAndWait(ChunkRecord record, long timeoutMs) throws InterruptedException {
        try {
            producer.send(new ProducerRecord<>(Topics.CHUNKS, sessionId, record)).get(timeoutMs, TimeUnit.MILLISECONDS);
            failure = null;
            return true;
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            return false;
        }
    }

    /** The first send that failed, if any. */
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
