package dev.rewind.edge.session;

import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.store.SessionStore;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.SessionSummary;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Answers a retried POST with the session its first attempt made. The id is derived from owner and
 * key ({@link IdempotencyKeys}); the earlier creation is found in this instance's recent creations,
 * else in the store (whichever instance made it), whose start request in {@code rewind.requests}
 * says whether the retry asks for the same thing (otherwise 422).
 */
final class IdempotentReplays {

    private static final long WAIT_FOR_EARLIER_MS = 10_000;

    private final RecentSessions recent;
    private final SessionStore store;
    private final SessionRecords records;

    IdempotentReplays(RecentSessions recent, SessionStore store, SessionRecords records) {
        this.recent = recent;
        this.store = store;
        this.records = records;
    }

    /**
     * The creation time of the earlier session with this id, or empty once the id is reserved for
     * {@code entry} (which the caller then publishes). {@code keyed} false: a fresh random id.
     */
    Optional<Instant> reserve(String sessionId, RecentSessions.Creation entry, boolean keyed) {
        if (keyed) {
            Optional<SessionSummary> stored = store.get(sessionId);
            if (stored.isPresent() && stored.get().createdAt() != null) {
                return Optional.of(fromStore(stored.get(), entry));
            }
        }
        Optional<RecentSessions.Creation> earlier = recent.reserve(sessionId, entry);
        if (earlier.isEmpty()) {
            return Optional.empty();
        }
        if (!IdempotencyKeys.sameRequest(earlier.get().requestDigest(), entry.requestDigest())) {
            throw mismatch();
        }
        awaitPublished(earlier.get());
        return Optional.of(earlier.get().createdAt());
    }

    void forget(String sessionId, RecentSessions.Creation entry) {
        recent.remove(sessionId, entry);
    }

    private Instant fromStore(SessionSummary summary, RecentSessions.Creation entry) {
        Optional<RequestRecord.Start> first = records.start(summary.id(), summary.createdAt());
        // past the requests topic's retention the prompt is gone: the key alone then names the session
        if (first.isPresent() && !IdempotencyKeys.sameRequest(entry.requestDigest(), IdempotencyKeys.requestDigest(
                first.get().upstream(), first.get().model(), first.get().messages(), first.get().params()))) {
            throw mismatch();
        }
        return summary.createdAt();
    }

    private static void awaitPublished(RecentSessions.Creation earlier) {
        try {
            earlier.published().get(WAIT_FOR_EARLIER_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("interrupted; try again", 1);
        } catch (ExecutionException | TimeoutException e) {
            throw ProblemException.unavailable("an earlier request with this Idempotency-Key did not complete; try again", 1);
        }
    }

    private static ProblemException mismatch() {
        return new ProblemException(422, "this Idempotency-Key was used for a different request; "
                + "use a new key for a new request");
    }
}
