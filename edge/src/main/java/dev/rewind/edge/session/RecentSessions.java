package dev.rewind.edge.session;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Sessions this instance created lately, bounded to {@code max} entries (the oldest go first):
 * they answer idempotent retries and their owner's reads in the moments before the processor's
 * summary reaches the store. {@code published} completes when Kafka acknowledged the request.
 */
final class RecentSessions {

    record Creation(String owner, Instant createdAt, String upstream, String model, byte[] requestDigest,
            CompletableFuture<Void> published) {}

    private final Map<String, Creation> entries;

    RecentSessions(int max) {
        this.entries = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Creation> eldest) {
                return size() > max;
            }
        };
    }

    /** Records {@code entry} unless the id is taken; answers the entry that was there. */
    synchronized Optional<Creation> reserve(String sessionId, Creation entry) {
        return Optional.ofNullable(entries.putIfAbsent(sessionId, entry));
    }

    synchronized Optional<Creation> get(String sessionId) {
        return Optional.ofNullable(entries.get(sessionId));
    }

    synchronized void remove(String sessionId, Creation entry) {
        entries.remove(sessionId, entry);
    }
}
