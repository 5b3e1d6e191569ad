package dev.rewind.edge.session;

import dev.rewind.edge.auth.Caller;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.store.SessionStore;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary;
import java.time.Instant;
import java.util.Optional;

/**
 * What this edge knows of a session: its summary from the store, or, in the moments before the
 * processor's summary arrives, its creation on this instance.
 */
final class SessionDirectory {

    /** A session's owner and creation time, with its summary when the store has one (else null). */
    record Known(String id, String owner, Instant createdAt, String upstream, String model, SessionSummary summary) {}

    private final SessionStore store;
    private final RecentSessions recent;

    SessionDirectory(SessionStore store, RecentSessions recent) {
        this.store = store;
        this.recent = recent;
    }

    Optional<Known> find(String sessionId) {
        Optional<SessionSummary> summary = store.get(sessionId);
        if (summary.isPresent() && summary.get().owner() != null && summary.get().createdAt() != null) {
            SessionSummary s = summary.get();
            return Optional.of(new Known(sessionId, s.owner(), s.createdAt(), s.upstream(), s.model(), s));
        }
        return recent.get(sessionId).filter(entry -> entry.published().isDone() && !entry.published().isCompletedExceptionally())
                .map(entry -> new Known(sessionId, entry.owner(), entry.createdAt(), entry.upstream(), entry.model(), null));
    }

    /** The session if {@code owner} owns it; 404 when unknown, 403 when another owner's. */
    Known ownedBy(String sessionId, String owner) {
        Known known = find(sessionId).orElseThrow(() -> ProblemException.notFound("no such session"));
        if (!known.owner().equals(owner)) {
            throw ProblemException.forbidden("this session belongs to another API key");
        }
        return known;
    }

    /**
     * The session as {@code caller} may read it: the owner's (404 unknown, 403 another owner's), or
     * for a read token the known session, else a pending one (a valid token proves it exists).
     */
    Known readableBy(String sessionId, Caller caller) {
        return switch (caller) {
            case Caller.Owner owner -> ownedBy(sessionId, owner.id());
            case Caller.Reader reader -> find(sessionId).orElseGet(() -> new Known(
                    sessionId, null, reader.token().createdAt(), null, null, null));
        };
    }

    /** The path's session id, or 404 for one that cannot be a session id. */
    static String validId(String id) {
        if (!SessionIds.isValid(id)) {
            throw ProblemException.notFound("no such session (a session id is s_ and 22 URL-safe characters)");
        }
        return id;
    }
}
