package dev.rewind.analytics.errors;

import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import java.io.IOException;
import java.util.List;

/**
 * The topology's first step: a {@code rewind.tokens} value as bytes to its event (and a
 * {@code rewind.sessions} value to its summary). One of a type this
 * version does not know throws {@link UnknownTypeException}, which {@link DeadLetterHandler} skips and
 * counts (DESIGN §13); one that does not decode throws {@link UnreadableRecordException}, which it
 * dead-letters.
 * Decoded here rather than by the source's deserializer, because Kafka Streams' test driver does not
 * capture a deserialization handler's dead letters, and this way both paths are one handler's.
 */
public final class TokenDecoding {

    private TokenDecoding() {}

    public static List<TokenEvent> decode(byte[] value) {
        return decode(value, TokenEvent.class, "token event");
    }

    /** A {@code rewind.sessions} value (a summary has no type, so it is readable or not); null (a tombstone) is nothing. */
    public static List<SessionSummary> decodeSummary(byte[] value) {
        return decode(value, SessionSummary.class, "session summary");
    }

    private static <T> List<T> decode(byte[] value, Class<T> type, String what) {
        if (value == null) {
            return List.of();
        }
        try {
            return List.of(Json.MAPPER.readValue(value, type));
        } catch (InvalidTypeIdException e) {
            if (e.getTypeId() == null) {
                throw new UnreadableRecordException("a " + what + " without a type", e);
            }
            throw new UnknownTypeException(e.getTypeId());
        } catch (IOException | RuntimeException e) {
            throw new UnreadableRecordException("not a " + what + ": " + e.getMessage(), e);
        }
    }
}
