package dev.rewind.processor.session;

import dev.rewind.protocol.JsonSerde;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The session-state store, with the states this task last wrote kept beside it as objects. The store
 * holds each state as JSON; parsing it back for every record was a fifth of the stream thread's time
 * (JFR, 2026-12-01). A state is taken from here only while the store still holds exactly the bytes
 * written with it, so the store stays the only truth: after a restore, an aborted transaction or a
 * state written elsewhere the bytes differ and the state is parsed again.
 */
final class SessionStates {

    /** Kept objects per task: enough for every live session of a busy partition; an evicted one is parsed again. */
    static final int KEPT_PER_TASK = 1024;

    private static final JsonSerde<SessionState> SERDE = new JsonSerde<>(SessionState.class);

    private record Kept(byte[] bytes, SessionState state) {}

    private final KeyValueStore<String, byte[]> store;
    private final Map<String, Kept> kept = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
            return size() > KEPT_PER_TASK;
        }
    };

    SessionStates(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    /**
     * The session's stored state, or null. It is no longer kept here until it is {@link #put} back:
     * the caller changes it, and a record that fails half-way must not leave a changed state behind.
     */
    SessionState take(String sessionId) {
        Kept last = kept.remove(sessionId);
        byte[] stored = store.get(sessionId);
        if (stored == null) {
            return null;
        }
        return last != null && Arrays.equals(last.bytes, stored) ? last.state : SERDE.deserialize(SessionAssembler.STORE, stored);
    }

    void put(String sessionId, SessionState state) {
        byte[] bytes = SERDE.serialize(SessionAssembler.STORE, state);
        store.put(sessionId, bytes);
        kept.put(sessionId, new Kept(bytes, state));
    }

    void delete(String sessionId) {
        kept.remove(sessionId);
        store.delete(sessionId);
    }
}
