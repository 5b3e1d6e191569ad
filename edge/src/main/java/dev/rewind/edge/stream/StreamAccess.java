package dev.rewind.edge.stream;

import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.http.Problem;
import dev.rewind.edge.hub.Cursor;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.token.InvalidTokenException;
import dev.rewind.protocol.token.ReadToken;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/**
 * The checks every stream request passes, SSE or WebSocket: a well-formed session id, a read token
 * of that session, and a cursor that parses. Kafka is not asked here (a valid token proves the
 * session exists, so a client may connect before its first event).
 */
public final class StreamAccess {

    /** A stream request that passed: the session, its verified token and where to start. */
    public record Granted(String sessionId, ReadToken token, Cursor cursor) {}

    /** The answer to a refused request, as an RFC 9457 problem. */
    public record Refused(int status, String title, String detail) {
        public void send(ServerResponse res) {
            if (status == 401) {
                Problem.unauthorized(res, detail);
            } else {
                Problem.send(res, status, title, detail);
            }
        }
    }

    /** 503 with a short Retry-After: the edge is draining or Kafka cannot serve the stream right now. */
    public static void unavailable(ServerResponse res, String detail) {
        res.header(HeaderNames.RETRY_AFTER, "1");
        Problem.send(res, 503, "Service Unavailable", detail);
    }

    /** Either outcome. */
    public sealed interface Outcome {
        record Ok(Granted granted) implements Outcome {}

        record No(Refused refused) implements Outcome {}
    }

    private final ReadTokens readTokens;

    public StreamAccess(ReadTokens readTokens) {
        this.readTokens = readTokens;
    }

    /**
     * Checks one request. {@code token} is the bearer token or {@code access_token} (null when
     * absent); the cursor follows DESIGN §4's order: header, then {@code last_event_id}, then {@code from}.
     */
    public Outcome check(String sessionId, String token, String lastEventIdHeader, String lastEventIdQuery, String from) {
        if (!SessionIds.isValid(sessionId)) {
            return refuse(404, "Not Found", "no such session");
        }
        if (token == null || token.isBlank()) {
            return refuse(401, "Unauthorized", "a read token is required: Authorization: Bearer <token> or ?access_token=");
        }
        ReadToken verified;
        try {
            verified = readTokens.verify(token, sessionId);
        } catch (InvalidTokenException e) {
            return refuse(401, "Unauthorized", e.getMessage());
        } catch (ReadTokens.WrongSessionException e) {
            return refuse(403, "Forbidden", e.getMessage());
        }
        try {
            return new Outcome.Ok(new Granted(sessionId, verified, Cursor.resolve(lastEventIdHeader, lastEventIdQuery, from)));
        } catch (IllegalArgumentException e) {
            return refuse(400, "Bad Request", e.getMessage());
        }
    }

    /** The cursor's kind, for metrics. */
    public static String kind(Cursor cursor) {
        return switch (cursor) {
            case Cursor.After after -> "id";
            case Cursor.FromStart start -> "start";
            case Cursor.Live live -> "live";
            case Cursor.AfterSeq seq -> "seq";
        };
    }

    private static Outcome refuse(int status, String title, String detail) {
        return new Outcome.No(new Refused(status, title, detail));
    }
}
