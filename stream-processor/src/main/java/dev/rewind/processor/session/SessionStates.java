package dev.rewind.processor.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.JsonSerde;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import java.util.LinkedHashMap;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The session-state store, with the states this task last wrote kept beside it as objects. The store
 * holds each state as JSON; parsing it back for every record was a fifth of the stream thread's time
 * (JFR, 2026-12-01). A state is taken from here only while the store still holds exactly the bytes
 * written with it, so the store stays the only truth: after a restore, an aborted transaction or a
 * state written elsewhere the bytes differ and the state is parsed again.
 */
final class SessionStates {

    /**
     * Bytes of JSON kept per task (the objects take a small multiple of it): a few thousand live
     * sessions of ordinary size; the least recently used go first, and an evicted one is parsed again.
     */
    static final long KEPT_BYTES_PER_TASK = 4L << 20;

    private static final JsonSerde<SessionState> SERDE = new JsonSerde<>(SessionState.class);

    private record Kept(byte[] bytes, SessionState state) {}

    private final KeyValueStore<String, byte[]> store;
    private final KeyValueStore<String, String> argumentSegments;
    private final LinkedHashMap<String, Kept> kept = new LinkedHashMap<>(64, 0.75f, true);
    private long keptBytes;

    SessionStates(KeyValueStore<String, byte[]> store, KeyValueStore<String, String> argumentSegments) {
        this.store = store;
        this.argumentSegments = argumentSegments;
    }

    /**
     * The session's stored state, or null. It is no longer kept here until it is {@link #put} back:
     * the caller changes it, and a record that fails half-way must not leave a changed state behind.
     */
    SessionState take(String sessionId) {
        Kept last = forget(sessionId);
        byte[] stored = store.get(sessionId);
        if (stored == null) {
            return null;
        }
        SessionState state = last != null && Arrays.equals(last.bytes, stored) ? last.state
                : SERDE.deserialize(SessionAssembler.STORE, stored);
        attachArguments(sessionId, state);
        return state;
    }

    /**
     * Tool-call arguments live in segments apart from the state ({@link SessionAssembler#ARGUMENTS_STORE}):
     * each full segment is written there once, so the state written after every record stays small
     * however long the arguments grow (writing them whole each time was quadratic).
     */
    void put(String sessionId, SessionState state) {
        if (state.reassembler != null) {
            int attempt = state.attempt;
            state.reassembler.toolCallArguments().forEach((call, text) ->
                    text.moveSealed((segment, n) -> argumentSegments.put(segmentKey(sessionId, attempt, call, n), segment)));
            attachArguments(sessionId, state);
        }
        byte[] bytes = SERDE.serialize(SessionAssembler.STORE, state);
        store.put(sessionId, bytes);
        forget(sessionId);
        if (bytes.length <= KEPT_BYTES_PER_TASK / 16) {
            kept.put(sessionId, new Kept(bytes, state));
            keptBytes += bytes.length;
            for (var eldest = kept.entrySet().iterator(); keptBytes > KEPT_BYTES_PER_TASK; ) {
                keptBytes -= eldest.next().getValue().bytes.length;
                eldest.remove();
            }
        }
    }

    /**
     * The next seq that the stored JSON names, read without binding the rest of it (for a state that
     * cannot be read whole), or -1 when it names none.
     */
    long storedNextSeq(String sessionId) {
        byte[] stored = store.get(sessionId);
        try {
            JsonNode nextSeq = stored == null ? null : Json.MAPPER.readTree(stored).get("next_seq");
            return nextSeq != null && nextSeq.canConvertToLong() && nextSeq.asLong() > 0 ? nextSeq.asLong() : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    void delete(String sessionId) {
        forget(sessionId);
        store.delete(sessionId);
        List<String> segments = new ArrayList<>();
        try (KeyValueIterator<String, String> all = argumentSegments.prefixScan(sessionId + "|", new StringSerializer())) {
            all.forEachRemaining(entry -> segments.add(entry.key));
        }
        segments.forEach(key -> argumentSegments.put(key, null));
    }

    private void attachArguments(String sessionId, SessionState state) {
        if (state.reassembler != null) {
            int attempt = state.attempt;
            state.reassembler.toolCallArguments().forEach((call, text) ->
                    text.attach(n -> argumentSegments.get(segmentKey(sessionId, attempt, call, n))));
        }
    }

    /** Session id first, so that a session's segments are found by prefix when it ends ('|' is not in ids). */
    private static String segmentKey(String sessionId, int attempt, int call, int segment) {
        return sessionId + "|" + attempt + "|" + call + "|" + segment;
    }

    private Kept forget(String sessionId) {
        Kept last = kept.remove(sessionId);
        if (last != null) {
            keptBytes -= last.bytes.length;
        }
        return last;
    }
}
