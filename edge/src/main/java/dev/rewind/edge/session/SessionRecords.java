package dev.rewind.edge.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A session's records from each topic, typed; unreadable records are skipped with a warning. */
final class SessionRecords {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRecords.class);

    /** Sees typed records in order; returns false when it needs no more. */
    @FunctionalInterface
    interface Visitor<T> {
        boolean visit(T record) throws IOException;
    }

    /** A typed record with where and when Kafka stored it (partition, offset, record timestamp in epoch ms). */
    record Stored<T>(int partition, long offset, long timestamp, T value) {}

    private final SessionRecordReader reader;

    SessionRecords(SessionRecordReader reader) {
        this.reader = reader;
    }

    /** The first start request of the session, if {@code rewind.requests} still holds it. */
    Optional<RequestRecord.Start> start(String sessionId, Instant createdAt) {
        AtomicReference<RequestRecord.Start> found = new AtomicReference<>();
        try {
            read(Topics.REQUESTS, sessionId, createdAt, Serdes.REQUEST, stored -> {
                if (stored.value() instanceof RequestRecord.Start start) {
                    found.set(start);
                    return false;
                }
                return true;
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.ofNullable(found.get());
    }

    void tokens(String sessionId, Instant createdAt, Visitor<TokenEvent> visitor) throws IOException {
        read(Topics.TOKENS, sessionId, createdAt, Serdes.TOKEN, stored -> visitor.visit(stored.value()));
    }

    /** The token events with their positions and timestamps (the timeline). */
    void storedTokens(String sessionId, Instant createdAt, Visitor<Stored<TokenEvent>> visitor) throws IOException {
        read(Topics.TOKENS, sessionId, createdAt, Serdes.TOKEN, visitor);
    }

    void chunks(String sessionId, Instant createdAt, Visitor<ChunkRecord> visitor) throws IOException {
        read(Topics.CHUNKS, sessionId, createdAt, Serdes.CHUNK, stored -> visitor.visit(stored.value()));
    }

    private <T> void read(String topic, String sessionId, Instant createdAt,
            Deserializer<T> serde, Visitor<Stored<T>> visitor) throws IOException {
        reader.read(topic, sessionId, createdAt, record -> {
            T value;
            try {
                value = serde.deserialize(topic, record.headers(), record.value());
            } catch (SerializationException | UncheckedIOException e) {
                LOG.warn("skipping unreadable record {}-{}-{} of session {}", topic, record.partition(), record.offset(),
                        sessionId);
                return true;
            }
            return visitor.visit(new Stored<>(record.partition(), record.offset(), record.timestamp(), value));
        });
    }
}
