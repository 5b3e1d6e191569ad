package dev.rewind.ingest.cancel;

import dev.rewind.protocol.ControlRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Cancels that arrived before their session's start: remembered, bounded in number and in age, and
 * honoured when the start arrives (the session then never calls upstream).
 */
public final class PendingCancels {

    private final int capacity;
    private final Duration ttl;
    private final Clock clock;
    private final LinkedHashMap<String, ControlRecord.Cancel> pending = new LinkedHashMap<>();

    public PendingCancels(int capacity, Duration ttl, Clock clock) {
        this.capacity = capacity;
        this.ttl = ttl;
        this.clock = clock;
    }

    public synchronized void remember(ControlRecord.Cancel cancel) {
        expire();
        pending.remove(cancel.sessionId());
        pending.put(cancel.sessionId(), cancel);
        if (pending.size() > capacity) {
            Iterator<Map.Entry<String, ControlRecord.Cancel>> oldest = pending.entrySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** The cancel waiting for {@code sessionId}, taken out of the list. */
    public synchronized Optional<ControlRecord.Cancel> take(String sessionId) {
        expire();
        return Optional.ofNullable(pending.remove(sessionId));
    }

    public synchronized int size() {
        return pending.size();
    }

    private void expire() {
        var cutoff = clock.instant().minus(ttl);
        pending.values().removeIf(cancel -> cancel.at().isBefore(cutoff));
    }
}
