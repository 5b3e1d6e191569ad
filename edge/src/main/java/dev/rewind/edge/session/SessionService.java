package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Caller;
import dev.rewind.edge.auth.Credentials;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.token.ReadToken;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.producer.Producer;

/**
 * One session: {@code GET /v1/sessions/{id}} (summary, transcript, tool calls),
 * {@code POST /v1/sessions/{id}/cancel} (to {@code rewind.control}) and
 * {@code POST /v1/sessions/{id}/token} (a fresh read token).
 */
public final class SessionService implements HttpService {

    private static final int MAX_REASON_CHARS = 500;
    /** What {@code cancelled.by} says when a read-token holder cancelled (ControlRecord's contract). */
    static final String BY_READ_TOKEN = "read-token";

    /** The optional body of a cancel. */
    record CancelBody(String reason) {}

    private final EdgeConfig config;
    private final SessionAuth auth;
    private final ReadTokens readTokens;
    private final SessionDirectory directory;
    private final SessionRecords records;
    private final Producer<String, ControlRecord> control;
    private final Clock clock;

    SessionService(EdgeConfig config, SessionAuth auth, ReadTokens readTokens, SessionDirectory directory,
            SessionRecords records, Producer<String, ControlRecord> control, Clock clock) {
        this.config = config;
        this.auth = auth;
        this.readTokens = readTokens;
        this.directory = directory;
        this.records = records;
        this.control = control;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}", this::session);
        rules.post("/{id}/cancel", this::cancel);
        rules.post("/{id}/token", this::renew);
    }

    private void session(ServerRequest req, ServerResponse res) throws IOException {
        String id = SessionDirectory.validId(req.path().pathParameters().get("id"));
        Caller caller = auth.caller(req, id);
        SessionDirectory.Known known = directory.readableBy(id, caller);
        Transcript transcript = new Transcript();
        records.tokens(id, known.createdAt(), transcript::accept);
        ObjectNode view = SessionViews.summary(known, caller instanceof Caller.Owner);
        transcript.writeTo(view);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(view));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        String id = SessionDirectory.validId(req.path().pathParameters().get("id"));
        Caller caller = auth.caller(req, id);
        String by = switch (caller) {
            case Caller.Owner owner -> {
                SessionDirectory.Known known = directory.ownedBy(id, owner.id());
                if (known.summary() != null && known.summary().status() != null && known.summary().status().isFinal()) {
                    throw new ProblemException(409, "the session already ended (" + known.summary().status().wireName() + ")");
                }
                yield owner.id();
            }
            case Caller.Reader reader -> {
                directory.find(id).map(SessionDirectory.Known::summary)
                        .filter(s -> s.status() != null && s.status().isFinal())
                        .ifPresent(s -> {
                            throw new ProblemException(409, "the session already ended (" + s.status().wireName() + ")");
                        });
                yield BY_READ_TOKEN;
            }
        };
        String reason = Bodies.read(req, CancelBody.class, "cancel request").map(CancelBody::reason).orElse(null);
        if (reason != null && reason.length() > MAX_REASON_CHARS) {
            throw ProblemException.badRequest("'reason' must be at most " + MAX_REASON_CHARS + " characters");
        }
        AcknowledgedSend.send(control, Topics.CONTROL, id, new ControlRecord.Cancel(id, by,
                reason == null || reason.isBlank() ? "cancelled by client" : reason, clock.instant()), "cancel");
        res.status(Status.ACCEPTED_202);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.toBytes(Json.MAPPER.createObjectNode().put("id", id).put("status", "cancelling")));
    }

    /**
     * A fresh read token: with the owner's key at any time, or with the current token while it is
     * valid or expired for at most {@code renewal_grace_seconds}, for sessions younger than
     * {@code renewal_max_age_seconds}. Only from the Authorization header (it is a POST).
     */
    private void renew(ServerRequest req, ServerResponse res) {
        String id = SessionDirectory.validId(req.path().pathParameters().get("id"));
        String secret = Credentials.bearer(req).orElseThrow(() -> ProblemException.unauthorized(
                "the current read token or the owner's API key is required: Authorization: Bearer <token or key>"));
        Instant createdAt;
        if (Credentials.looksLikeReadToken(secret)) {
            Instant now = clock.instant();
            ReadToken current = auth.verify(secret, id, now.minusSeconds(config.auth().renewalGraceSeconds()));
            if (Duration.between(current.createdAt(), now).getSeconds() > config.auth().renewalMaxAgeSeconds()) {
                throw ProblemException.forbidden("the session is too old to renew its token with a token; "
                        + "ask with the owner's API key");
            }
            createdAt = current.createdAt();
        } else {
            createdAt = directory.ownedBy(id, auth.owner(req)).createdAt();
        }
        ReadTokens.Issued issued = readTokens.issueToken(id, createdAt);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(Json.MAPPER.createObjectNode()
                .put("token", issued.token())
                .put("expires_at", issued.expiresAt().toString())));
    }
}
