package dev.rewind.edge.session;

import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A session's records from each topic, typed. A record that does not decode, or whose type this
 * version does not know, is skipped and counted as the hub counts its replays
 * ({@link ReaderFaults#decodeCounted}): these are reads of records read again and again, whose dead
 * letter the topic's live reader (the hub for {@code rewind.tokens}, the processor for
 * {@code rewind.requests} and {@code rewind.chunks}) writes once.
 */
final class SessionRecords {

    /** Sees typed records in order; returns false when it needs no more. */
    @FunctionalInterface
    interface Visitor<T> {
        boolean visit(T record) throws IOException;
    }

    /** A typed record with where and when Kafka stored it (partition, offset, record timestamp in epoch ms). */
    record Stored<T>(int partition, long offset, long timestamp, T value) {}

    private final SessionRecordReader reader;
    private final ReaderFaults faults;

    SessionRecords(SessionRecordReader reader, ReaderFaults faults) {
        this.reader = reader;
        this.faults = faults;
    }

    /** The first start request of the session, if {@code rewind.requests} still holds it. */
    Optional<RequestRecord.Start> start(String sessionId, Instant createdAt) {
        AtomicReference<RequestRecord.Start> found = new AtomicReference<>();
        try {
            read(Topics.REQUESTS, sessionId, createdAt, RecordDecoder.REQUEST, stored -> {
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
        read(Topics.TOKENS, sessionId, createdAt, RecordDecoder.TOKEN, stored -> visitor.visit(stored.value()));
    }

    /** The token events with their positions and timestamps (the timeline). */
    void storedTokens(String sessionId, Instant createdAt, Visitor<Stored<TokenEvent>> visitor) throws IOException {
        read(Topics.TOKENS, sessionId, createdAt, RecordDecoder.TOKEN, visitor);
    }

    void chunks(String sessionId, Instant createdAt, Visitor<ChunkRecord> visitor) throws IOException {
        read(Topics.CHUNKS, sessionId, createdAt, RecordDecoder.CHUNK, stored -> visitor.visit(stored.value()));
    }

    private <T> void read(String topic, String sessionId, Instant createdAt,
            RecordDecoder<T> decoder, Visitor<Stored<T>> visitor) throws IOException {
        reader.read(topic, sessionId, createdAt, record -> {
            Optional<T> value = faults.decodeCounted(record, decoder);
            return value.isEmpty()
                    || visitor.visit(new Stored<>(record.partition(), record.offset(), record.timestamp(), value.get()));
        });
    }
}
