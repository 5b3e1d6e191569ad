package dev.rewind.edge.auth;

import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.token.InvalidTokenException;
import dev.rewind.protocol.token.ReadToken;
import io.helidon.webserver.http.ServerRequest;
import java.time.Instant;

/** Resolves the caller of a request, or refuses with 401/403 problem answers. */
public final class SessionAuth {

    private final ApiKeys apiKeys;
    private final ReadTokens readTokens;

    public SessionAuth(ApiKeys apiKeys, ReadTokens readTokens) {
        this.apiKeys = apiKeys;
        this.readTokens = readTokens;
    }

    /** The owner id of the API key in the Authorization header (creating and listing sessions). */
    public String owner(ServerRequest req) {
        return Credentials.bearer(req)
                .filter(secret -> !Credentials.looksLikeReadToken(secret))
                .flatMap(apiKeys::ownerOf)
                .orElseThrow(() -> ProblemException.unauthorized("an API key is required: Authorization: Bearer <key>"));
    }

    /** The owner's API key or the session's read token (header; for a GET of a stream also the query or cookie). */
    public Caller caller(ServerRequest req, String sessionId) {
        String secret = Credentials.readToken(req).orElseThrow(() -> ProblemException.unauthorized(
                "an API key or the session's read token is required: Authorization: Bearer <key or token>"
                        + " (for a GET of the session's events also ?access_token= or the cookie "
                        + Credentials.COOKIE_PREFIX + "<id>)"));
        if (!Credentials.looksLikeReadToken(secret)) {
            // an API key counts only from the header: a query or cookie never carries one
            return Credentials.bearer(req).filter(secret::equals).flatMap(apiKeys::ownerOf)
                    .<Caller>map(Caller.Owner::new)
                    .orElseThrow(() -> ProblemException.unauthorized("the API key or read token is not valid"));
        }
        return new Caller.Reader(verify(secret, sessionId, null));
    }

    /** Verifies a read token for {@code sessionId}, as if it were {@code at} (null: now). */
    public ReadToken verify(String token, String sessionId, Instant at) {
        try {
            return readTokens.verify(token, sessionId, at);
        } catch (InvalidTokenException e) {
            throw ProblemException.unauthorized(e.getMessage());
        } catch (ReadTokens.WrongSessionException e) {
            throw ProblemException.forbidden(e.getMessage());
        }
    }
}
