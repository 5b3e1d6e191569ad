package dev.rewind.processor.session;

import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Decodes the processor's input values here rather than in the sources' deserializers: a value
 * Kafka Streams cannot deserialize only reaches its exception handler, which can log or drop it but
 * not write our dead letter (source, reason, excerpt) nor count it per reason. Kafka's own DLQ
 * (KIP-1034) writes the raw record with exception headers, not the {@link DeadLetter} readers of
 * {@code rewind.chunks.dlq} expect.
 */
final class SourceRecords {

    /** What one input value turned out to be. */
    sealed interface Decoded {
        record Value(Object value) implements Decoded {}

        /** A {@code type} this version does not know (DESIGN §13: skipped and counted, never fatal). */
        record UnknownType(String type) implements Decoded {}

        record Unreadable(String reason, String excerpt) implements Decoded {}
    }

    private SourceRecords() {}

    static Decoded decode(String topic, byte[] bytes) {
        Class<?> type = Topics.REQUESTS.equals(topic) ? RequestRecord.class : ChunkRecord.class;
        try {
            Object value = Json.MAPPER.readValue(bytes, type);
            return value == null ? new Decoded.Unreadable("unreadable-record", "JSON null") : new Decoded.Value(value);
        } catch (InvalidTypeIdException e) {
            return e.getTypeId() != null ? new Decoded.UnknownType(e.getTypeId())
                    : new Decoded.Unreadable("unreadable-record", "no type: " + excerpt(bytes));
        } catch (IOException | RuntimeException e) {
            return new Decoded.Unreadable("unreadable-record", excerpt(bytes));
        }
    }

    /** The value's first bytes as text: enough to recognise it, never the whole record. */
    static String excerpt(byte[] bytes) {
        return new String(bytes, 0, Math.min(bytes.length, DeadLetter.MAX_EXCERPT), StandardCharsets.UTF_8);
    }
}
