package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.apache.kafka.common.header.Headers;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns a record's value bytes into one topic record, telling apart what a reader must handle
 * differently (DESIGN §13): a record it knows, a record whose {@code type} it does not know yet (a
 * newer writer: skip and count it), and bytes it cannot use (dead-letter them with the reason). It
 * never throws, so a consumer loop that decodes with it cannot be stopped by a record.
 *
 * <p>Consumers read {@code byte[]} values and decode here rather than in a Kafka deserializer: a
 * deserializer that throws inside {@code poll()} stops the loop at that offset for good.
 *
 * @param <T> the topic's record family
 */
public final class RecordDecoder<T> {

    public static final RecordDecoder<RequestRecord> REQUEST = keyedBySession(RequestRecord.class, RequestRecord::sessionId);
    public static final RecordDecoder<ControlRecord> CONTROL = keyedBySession(ControlRecord.class, ControlRecord::sessionId);
    /** Chunks written raw, their metadata in headers ({@link ChunkSerde}), and JSON markers. */
    public static final RecordDecoder<ChunkRecord> CHUNK = new RecordDecoder<>(ChunkRecord.class, ChunkRecord::sessionId, ChunkSerde::decode);
    public static final RecordDecoder<TokenEvent> TOKEN = keyedBySession(TokenEvent.class, TokenEvent::sessionId);
    public static final RecordDecoder<SessionSummary> SESSION = keyedBySession(SessionSummary.class, SessionSummary::id);
    /** Keyed by series and window, not by session: its key is the reader's to check. */
    public static final RecordDecoder<AnalyticsRecord> ANALYTICS = new RecordDecoder<>(AnalyticsRecord.class, null);

    /** What came of decoding one record. */
    public sealed interface Outcome<T> {
        /** A record of a kind this reader knows. */
        record Decoded<T>(T value) implements Outcome<T> {}

        /** A record of a {@code type} this reader does not know: skip it and count it. */
        record UnknownType<T>(String type) implements Outcome<T> {}

        /** Bytes that are not a record of this topic; {@code reason} is a short code, a colon and a detail. */
        record Undecodable<T>(String reason) implements Outcome<T> {}
    }

    /** A form of the topic's records told apart by their headers; gives null for a record in JSON. */
    @FunctionalInterface
    interface HeaderForm<T> {
        Outcome<T> decode(Headers headers, byte[] value);
    }

    private final Class<T> type;
    private final Function<T, String> sessionIdOf;
    private final HeaderForm<T> headerForm;
    /** The discriminator's property and its known values; null for a family without kinds. */
    private final String typeProperty;
    private final Set<String> knownTypes;

    private RecordDecoder(Class<T> type, Function<T, String> sessionIdOf) {
        this(type, sessionIdOf, null);
    }

    private RecordDecoder(Class<T> type, Function<T, String> sessionIdOf, HeaderForm<T> headerForm) {
        this.type = type;
        this.sessionIdOf = sessionIdOf;
        this.headerForm = headerForm;
        // the known kinds come from the family's own Jackson annotations, so they cannot drift from the mapping
        JsonTypeInfo info = type.getAnnotation(JsonTypeInfo.class);
        JsonSubTypes subtypes = type.getAnnotation(JsonSubTypes.class);
        this.typeProperty = info == null ? null : info.property();
        this.knownTypes = subtypes == null ? Set.of()
                : Arrays.stream(subtypes.value()).map(JsonSubTypes.Type::name).collect(Collectors.toUnmodifiableSet());
    }

    /** A decoder for a topic keyed by session id: {@link #decode(String, byte[])} also checks the key. */
    public static <T> RecordDecoder<T> keyedBySession(Class<T> type, Function<T, String> sessionIdOf) {
        return new RecordDecoder<>(type, sessionIdOf);
    }

    /** Decodes {@code value} and checks that {@code key} is the record's session id (for session-keyed topics). */
    public Outcome<T> decode(String key, byte[] value) {
        return decode(key, null, value);
    }

    /**
     * As {@link #decode(String, byte[])}, for a record whose headers may say how it is written (a
     * chunk of {@code rewind.chunks} is its raw bytes): what a consumer loop calls with the record's
     * headers.
     */
    public Outcome<T> decode(String key, Headers headers, byte[] value) {
        Outcome<T> raw = headerForm == null || headers == null ? null : headerForm.decode(headers, value);
        Outcome<T> outcome = raw != null ? raw : decode(value);
        if (sessionIdOf != null && outcome instanceof Outcome.Decoded<T>(T record)) {
            String sessionId = sessionIdOf.apply(record);
            if (key == null || !key.equals(sessionId)) {
                return new Outcome.Undecodable<>("wrong-key: the key " + (key == null ? "is missing" : "'" + bounded(key) + "'")
                        + " but the record's session_id is '" + bounded(sessionId) + "'");
            }
        }
        return outcome;
    }

    /**
     * Decodes {@code value} alone. A good record is bound in one pass (readers decode every record on
     * their hot path); only a value that fails is read again as a tree to say why.
     */
    public Outcome<T> decode(byte[] value) {
        if (value == null) {
            return new Outcome.Undecodable<>("null-value: the record has no value");
        }
        try {
            T record = Json.MAPPER.readValue(value, type);
            if (record != null) {
                return new Outcome.Decoded<>(record);
            }
        } catch (IOException | RuntimeException e) {
            // classified below
        }
        return classify(value);
    }

    private Outcome<T> classify(byte[] value) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(value);
        } catch (IOException e) {
            return new Outcome.Undecodable<>("not-json: " + messageOf(e));
        }
        if (tree == null || !tree.isObject()) {
            return new Outcome.Undecodable<>("not-an-object: the value is JSON but not an object");
        }
        if (typeProperty != null) {
            JsonNode kind = tree.get(typeProperty);
            if (kind == null || !kind.isTextual()) {
                return new Outcome.Undecodable<>("missing-type: no text '" + typeProperty + "' field");
            }
            if (!knownTypes.contains(kind.textValue())) {
                return new Outcome.UnknownType<>(bounded(kind.textValue()));
            }
        }
        try {
            T record = Json.MAPPER.treeToValue(tree, type);
            return record == null ? new Outcome.Undecodable<>("null-value: the value is JSON null")
                    : new Outcome.Decoded<>(record);
        } catch (IOException | IllegalArgumentException e) {
            return new Outcome.Undecodable<>("invalid-record: not a valid " + type.getSimpleName() + ": " + messageOf(e));
        }
    }

    /** Jackson's message without the source excerpt and location it appends (the excerpt travels separately). */
    private static String messageOf(Exception e) {
        String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
        return bounded(message == null ? e.getClass().getSimpleName() : message);
    }

    private static String bounded(String text) {
        return text == null || text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
