package dev.rewind.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@code rewind.chunks}. A {@link ChunkRecord.Chunk} is written as the upstream's bytes
 * themselves, its metadata in record headers (the key is its session id); the markers, a few per
 * attempt, stay JSON. Chunks were JSON with base64 bytes: encoding them was a quarter of ingest's
 * send and decoding them (with the instant's text) a fifth of the processor's stream thread, and
 * base64 made every chunk a third larger on the broker (JFR, 2026-12-07).
 *
 * <p>A record without the {@value #TYPE} header is JSON, so chunks written as JSON by an older
 * version still read. Writing a chunk raw needs the headers, so it happens only through
 * {@link #serialize(String, Headers, ChunkRecord)} (what a producer calls); the two-argument form
 * writes JSON.
 */
public final class ChunkSerde implements Serde<ChunkRecord>, Serializer<ChunkRecord>, Deserializer<ChunkRecord> {

    /** {@code chunk} on a raw chunk; a newer writer may name other kinds, which readers skip and count. */
    public static final String TYPE = "rewind-type";
    /** The session id, as in the key: a value deserializer sees no key, and readers check that the two agree. */
    public static final String SESSION_ID = "rewind-session-id";
    public static final String ATTEMPT = "rewind-attempt";
    public static final String SEQ = "rewind-seq";
    public static final String FORMAT = "rewind-format";
    /** When ingest read the bytes: nanoseconds since the epoch, in decimal (an ISO text took longer to parse than the rest). */
    public static final String RECEIVED_AT = "rewind-received-at-ns";
    /**
     * On every record ingest writes (chunks and markers): the ingest consumer group's generation in
     * which the writing worker took the session's run. Two workers can run the same attempt number
     * of a session — a frozen worker's unsent records reach Kafka after the new owner, which never
     * saw them, started over — and the later generation tells the processor which run is current.
     * Decimal; absent on records of older versions (read as 0, which matches any).
     */
    public static final String WRITER_GENERATION = "rewind-writer-generation";
    static final String CHUNK = "chunk";
    private static final byte[] CHUNK_BYTES = CHUNK.getBytes(StandardCharsets.US_ASCII);

    private final JsonSerde<ChunkRecord> json = new JsonSerde<>(ChunkRecord.class);

    @Override
    public byte[] serialize(String topic, ChunkRecord value) {
        return json.serialize(topic, value);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, ChunkRecord value) {
        if (!(value instanceof ChunkRecord.Chunk chunk) || headers == null) {
            return json.serialize(topic, value);
        }
        headers.remove(TYPE).remove(SESSION_ID).remove(ATTEMPT).remove(SEQ).remove(FORMAT).remove(RECEIVED_AT);
        headers.add(TYPE, CHUNK_BYTES);
        headers.add(SESSION_ID, chunk.sessionId().getBytes(StandardCharsets.UTF_8));
        headers.add(ATTEMPT, ascii(Integer.toString(chunk.attempt())));
        headers.add(SEQ, ascii(Long.toString(chunk.seq())));
        if (chunk.providerFormat() != null) {
            headers.add(FORMAT, ascii(chunk.providerFormat().wireName()));
        }
        if (chunk.receivedAt() != null) {
            Instant at = chunk.receivedAt();
            headers.add(RECEIVED_AT, ascii(Long.toString(Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano()))));
        }
        return chunk.bytes();
    }

    /** JSON only: a raw chunk cannot be read without its headers. */
    @Override
    public ChunkRecord deserialize(String topic, byte[] data) {
        return json.deserialize(topic, data);
    }

    @Override
    public ChunkRecord deserialize(String topic, Headers headers, byte[] data) {
        return switch (decode(headers, data)) {
            case RecordDecoder.Outcome.Decoded<ChunkRecord> decoded -> decoded.value();
            case RecordDecoder.Outcome.UnknownType<ChunkRecord> unknown ->
                    throw new SerializationException("record of " + topic + " is of an unknown type '" + unknown.type() + "'");
            case RecordDecoder.Outcome.Undecodable<ChunkRecord> bad ->
                    throw new SerializationException("record of " + topic + " is not a valid ChunkRecord: " + bad.reason());
            case null -> json.deserialize(topic, data);
        };
    }

    /** Whether the record is a chunk written raw (else its value is JSON). */
    public static boolean isRaw(Headers headers) {
        return headers != null && headers.lastHeader(TYPE) != null;
    }

    /** The raw record's outcome, or null when the record is JSON (no {@value #TYPE} header). Never throws. */
    static RecordDecoder.Outcome<ChunkRecord> decode(Headers headers, byte[] data) {
        Header type = headers == null ? null : headers.lastHeader(TYPE);
        if (type == null) {
            return null;
        }
        String kind = text(type);
        if (!CHUNK.equals(kind)) {
            return new RecordDecoder.Outcome.UnknownType<>(kind);
        }
        if (data == null) {
            return new RecordDecoder.Outcome.Undecodable<>("null-value: the record has no value");
        }
        try {
            String sessionId = required(headers, SESSION_ID);
            int attempt = Integer.parseInt(required(headers, ATTEMPT));
            long seq = Long.parseLong(required(headers, SEQ));
            Header format = headers.lastHeader(FORMAT);
            Header received = headers.lastHeader(RECEIVED_AT);
            Instant receivedAt = null;
            if (received != null) {
                long nanos = Long.parseLong(text(received));
                receivedAt = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
            }
            return new RecordDecoder.Outcome.Decoded<>(new ChunkRecord.Chunk(sessionId, attempt, seq,
                    format == null ? null : ProviderFormat.fromWireName(text(format)), data, receivedAt));
        } catch (RuntimeException e) {
            return new RecordDecoder.Outcome.Undecodable<>("invalid-record: a raw chunk with bad headers: " + e.getMessage());
        }
    }

    /** The {@value #WRITER_GENERATION} header of a run taken in {@code generation}; built once per run. */
    public static Header writerGeneration(int generation) {
        return new RecordHeader(WRITER_GENERATION, ascii(Integer.toString(generation)));
    }

    /** A record's writer generation: 0 when it has none (an older writer) or it does not parse. */
    public static int writerGeneration(Headers headers) {
        Header header = headers == null ? null : headers.lastHeader(WRITER_GENERATION);
        if (header == null || header.value() == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(text(header)));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String required(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            throw new IllegalArgumentException("no " + name + " header");
        }
        return text(header);
    }

    private static String text(Header header) {
        return header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Serializer<ChunkRecord> serializer() {
        return this;
    }

    @Override
    public Deserializer<ChunkRecord> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}
}
