package dev.rewind.ingest.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.RequestRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ends a session whose upstream this worker does not know, so that it never hangs. */
final class UnknownUpstream {

    private static final Logger LOG = LoggerFactory.getLogger(UnknownUpstream.class);
    private static final long KAFKA_RETRY_PAUSE_MS = 500;

    private UnknownUpstream() {}

    /**
     * Writes the session's one ending and waits until Kafka has it; true then. False when it could
     * not be written (Kafka refused it, or the worker stops meanwhile): the request must then stay
     * uncommitted, so that the session still gets its ending from the next owner. {@code writerGeneration}
     * is the worker's group generation when it took the run ({@link ChunkWriter}).
     */
    static boolean end(RequestRecord.Start start, int writerGeneration, RunServices services) {
        ChunkWriter writer = new ChunkWriter(services, start.sessionId(), writerGeneration, KAFKA_RETRY_PAUSE_MS);
        try {
            writer.deliver(new ChunkRecord.SessionEnded(start.sessionId(), 0, ChunkRecord.SessionOutcome.FAILED,
                    "upstream '" + start.upstream() + "' is not configured in ingest", "unknown_upstream", false, null,
                    services.clock().instant()));
            services.history().record(start.sessionId(), 0, true);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ChunkWriteRefused | FreezeFence.HeldTooLong e) {
            LOG.error("session {}: its end could not be written; its request stays uncommitted: {}", start.sessionId(),
                    e.getMessage());
            return false;
        }
    }
}
