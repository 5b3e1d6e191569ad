package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.store.SessionStore;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.Topics;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Creating a session, for every dialect that starts one ({@code POST /v1/sessions}, the
 * OpenAI-compatible and AI SDK endpoints): the creation rate limit, validation, the idempotent
 * replay of a keyed retry, and the acknowledged write of the {@code start} request. Refusals are
 * {@link ProblemException}s, which each dialect renders in its own error shape.
 */
public final class SessionCreation {

    /** A generation request in the contract's shape; {@code upstream} null means the default. */
    public record Request(String upstream, String model, List<RequestRecord.ChatMessage> messages, ObjectNode params,
            String conversationId) {}

    /** The session made (or found again for a keyed retry: {@code replayed}), with a fresh read token. */
    public record Created(String sessionId, Instant createdAt, String upstream, String token, boolean replayed) {
        public String eventsUrl() {
            return "/v1/sessions/" + sessionId + "/events";
        }
    }

    private final EdgeConfig config;
    private final ReadTokens readTokens;
    private final Producer<String, RequestRecord> requests;
    private final IdempotentReplays replays;
    private final CreationRateLimit rateLimit;
    private final Consumer<String> expectEvents;
    private final Clock clock;
    private final SessionStore store;

    /** {@code expectEvents} hears of each new session before its start request is written (the hub opens its window). */
    SessionCreation(EdgeConfig config, ReadTokens readTokens, Producer<String, RequestRecord> requests,
            IdempotentReplays replays, Consumer<String> expectEvents, Clock clock, SessionStore store) {
        this.store = store;
        this.config = config;
        this.readTokens = readTokens;
        this.requests = requests;
        this.replays = replays;
        this.rateLimit = new CreationRateLimit(config.rateLimit());
        this.expectEvents = expectEvents;
        this.clock = clock;
    }

    /** Creates a session for {@code owner}; {@code idempotencyKey} as sent (validated here), or empty. */
    public Created create(String owner, Request request, Optional<String> idempotencyKey) {
        rateLimit.acquire(owner);
        String problem = new CreateSessionBody(request.upstream(), request.model(), request.messages(), request.params(),
                request.conversationId()).problem();
        if (problem != null) {
            throw ProblemException.badRequest(problem);
        }
        if (request.conversationId() != null) {
            // ownership as this instance's store has read it; two instances can race until both read the first turn
            store.conversationOwner(request.conversationId()).filter(o -> !o.equals(owner)).ifPresent(o -> {
                throw ProblemException.forbidden("this conversation belongs to another API key");
            });
        }
        String upstream = request.upstream() == null ? config.defaultUpstream() : request.upstream();
        EdgeConfig.UpstreamRef ref = config.upstreams().get(upstream);
        if (ref == null) {
            throw ProblemException.badRequest("unknown upstream '" + upstream + "'; configured: " + config.upstreams().keySet());
        }
        ObjectNode params = request.params() == null ? Json.MAPPER.createObjectNode() : request.params();
        Optional<String> key = idempotencyKey.map(IdempotencyKeys::validated);
        byte[] digest = IdempotencyKeys.requestDigest(upstream, request.model(), request.messages(), params);
        String sessionId = key.map(k -> IdempotencyKeys.sessionId(owner, k)).orElseGet(SessionIds::newId);
        RecentSessions.Creation entry = new RecentSessions.Creation(owner, clock.instant(), upstream, request.model(), digest,
                new CompletableFuture<>());
        Optional<Instant> earlier = replays.reserve(sessionId, entry, key.isPresent());
        if (earlier.isPresent()) {
            return new Created(sessionId, earlier.get(), upstream, readTokens.issue(sessionId, earlier.get()), true);
        }
        expectEvents.accept(sessionId);
        publish(new RequestRecord.Start(sessionId, owner, upstream, ref.format(), request.model(), request.messages(), params,
                entry.createdAt(), key.orElse(null), request.conversationId()), entry);
        return new Created(sessionId, entry.createdAt(), upstream, readTokens.issue(sessionId, entry.createdAt()), false);
    }

    /** Writes the start request (refused with 413 above the topic's limit); its reservation is dropped on failure. */
    private void publish(RequestRecord.Start start, RecentSessions.Creation entry) {
        try {
            byte[] serialised = Json.toBytes(start);
            if (serialised.length > config.topics().maxMessageBytes()) {
                throw new ProblemException(413, "the request is " + serialised.length
                        + " bytes as a record; the limit is " + config.topics().maxMessageBytes());
            }
            AcknowledgedSend.send(requests, Topics.REQUESTS, start.sessionId(), start, "session");
            entry.published().complete(null);
        } catch (RuntimeException e) {
            replays.forget(start.sessionId(), entry);
            entry.published().completeExceptionally(e);
            throw e;
        }
    }
}
