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
import dev.rewind.protocol.telemetry.GenAi;
import dev.rewind.protocol.telemetry.KafkaTraceHeaders;
import dev.rewind.protocol.telemetry.Telemetry;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.header.Header;

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
    private final Telemetry telemetry;

    /** {@code expectEvents} hears of each new session before its start request is written (the hub opens its window). */
    SessionCreation(EdgeConfig config, ReadTokens readTokens, Producer<String, RequestRecord> requests,
            IdempotentReplays replays, Consumer<String> expectEvents, Clock clock, SessionStore store, Telemetry telemetry) {
        this.store = store;
        this.telemetry = telemetry;
        this.config = config;
        this.readTokens = readTokens;
        this.requests = requests;
        this.replays = replays;
        this.rateLimit = new CreationRateLimit(config.rateLimit());
        this.expectEvents = expectEvents;
        this.clock = clock;
    }

    /**
     * Creates a session for {@code owner}; {@code idempotencyKey} as sent (validated here), or empty.
     * Traced: the span continues a W3C {@code traceparent} among {@code http} (the request's headers)
     * or starts a trace, and the start request carries its context to ingest and the processor.
     */
    public Created create(String owner, Request request, Optional<String> idempotencyKey, Headers http) {
        Context caller = W3CTraceContextPropagator.getInstance().extract(Context.root(), http, HTTP_HEADERS);
        Span span = telemetry.tracer().spanBuilder("rewind.session.create").setParent(caller).setSpanKind(SpanKind.SERVER)
                .setAttribute(GenAi.REQUEST_MODEL, request.model() == null ? "" : request.model())
                .startSpan();
        try {
            Created created = create(owner, request, idempotencyKey, caller.with(span));
            span.setAttribute(GenAi.SESSION_ID, created.sessionId());
            span.setAttribute(GenAi.UPSTREAM, created.upstream());
            span.setAttribute(REPLAYED, created.replayed());
            return created;
        } catch (ProblemException e) {
            span.setAttribute(GenAi.ERROR_TYPE, Integer.toString(e.status()));
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            span.setAttribute(GenAi.ERROR_TYPE, e.getClass().getName());
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    private Created create(String owner, Request request, Optional<String> idempotencyKey, Context trace) {
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
                entry.createdAt(), key.orElse(null), request.conversationId()), entry, KafkaTraceHeaders.of(trace));
        return new Created(sessionId, entry.createdAt(), upstream, readTokens.issue(sessionId, entry.createdAt()), false);
    }

    /** Writes the start request (refused with 413 above the topic's limit); its reservation is dropped on failure. */
    private void publish(RequestRecord.Start start, RecentSessions.Creation entry, List<Header> trace) {
        try {
            byte[] serialised = Json.toBytes(start);
            if (serialised.length > config.topics().maxMessageBytes()) {
                throw new ProblemException(413, "the request is " + serialised.length
                        + " bytes as a record; the limit is " + config.topics().maxMessageBytes());
            }
            AcknowledgedSend.send(requests, Topics.REQUESTS, start.sessionId(), start, trace.isEmpty() ? null : trace, "session");
            entry.published().complete(null);
        } catch (RuntimeException e) {
            replays.forget(start.sessionId(), entry);
            entry.published().completeExceptionally(e);
            throw e;
        }
    }

    private static final AttributeKey<Boolean> REPLAYED = AttributeKey.booleanKey("rewind.session.replayed");

    /** Reads a caller's {@code traceparent} and {@code tracestate} from the HTTP request. */
    private static final TextMapGetter<Headers> HTTP_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            return headers.stream().map(header -> header.name()).toList();
        }

        @Override
        public String get(Headers headers, String key) {
            return headers == null ? null : headers.first(HeaderNames.create(key)).orElse(null);
        }
    };
}
