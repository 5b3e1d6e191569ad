package dev.rewind.ingest.session;

/**
 * Kafka refused a record of a session for good (record too large, not authorised, unserialisable):
 * asking again gives the same answer, so the session ends with {@code ingest_error} instead.
 */
final class ChunkWriteRefused extends RuntimeException {

    ChunkWriteRefused(Throwable cause) {
        super("Kafka refused a record: " + cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
    }
}
