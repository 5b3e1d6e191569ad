package dev.rewind.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A client of one Rewind edge: creates sessions with an API key and follows their events with
 * automatic resume ({@code Last-Event-ID}, jittered backoff, token renewal), as a blocking
 * iterator ({@link #events}) or with callbacks ({@link #subscribe}). Thread-safe; close it when done.
 *
 * <pre>{@code
 * try (RewindClient client = RewindClient.builder(URI.create("http://localhost:8080")).apiKey(key).build()) {
 *     Session session = client.createSession(SessionRequest.ask("sim-small", "Hello"));
 *     Transcript transcript = new Transcript();
 *     try (EventStream events = client.events(session)) {
 *         events.forEachRemaining(transcript::apply);
 *     }
 * }
 * }</pre>
 */
public final class RewindClient implements AutoCloseable {

    /** Waits between reconnects; replaced in tests to record the waits instead of sleeping them. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** Everything a follower needs, fixed when the client is built. */
    record Settings(URI baseUri, ObjectMapper mapper, Backoff backoff, int maxFailures, Duration idleTimeout,
            Duration requestTimeout, Duration renewBefore, TokenRenewer tokenRenewer, Sleeper sleeper, Clock clock,
            int queueCapacity, int maxEventChars) {}

    private final Settings settings;
    private final HttpClient http;
    private final String apiKey;
    private final ScheduledExecutorService watchdog;
    private final Set<EventFollower> running = ConcurrentHashMap.newKeySet();

    private RewindClient(Builder builder) {
        this.http = builder.http != null ? builder.http
                : HttpClient.newBuilder().connectTimeout(builder.connectTimeout).build();
        this.apiKey = builder.apiKey;
        TokenRenewer renewer = builder.tokenRenewer != null ? builder.tokenRenewer : this::renewAtEdge;
        this.settings = new Settings(builder.baseUri, builder.mapper, builder.backoff, builder.maxFailures,
                builder.idleTimeout, builder.requestTimeout, builder.renewBefore, renewer, builder.sleeper, builder.clock,
                builder.queueCapacity, builder.maxEventChars);
        // one small thread checks every open stream for silence; closing a stalled body unblocks its reader
        this.watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("rewind-stall-check").factory());
    }

    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    /** {@code POST /v1/sessions} with the API key; the edge answers only after Kafka took the request. */
    public Session createSession(SessionRequest request) throws IOException, InterruptedException {
        return createSession(request, null);
    }

    /** As {@link #createSession(SessionRequest)}; a retry with the same {@code idempotencyKey} returns the same session. */
    public Session createSession(SessionRequest request, String idempotencyKey) throws IOException, InterruptedException {
        if (apiKey == null) {
            throw new IllegalStateException("creating a session needs an API key (builder.apiKey)");
        }
        HttpRequest.Builder post = HttpRequest.newBuilder(settings.baseUri().resolve("/v1/sessions"))
                .timeout(settings.requestTimeout())
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(settings.mapper().writeValueAsString(request.toJson(settings.mapper()))));
        if (idempotencyKey != null) {
            post.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response = http.send(post.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw Problems.exception(settings.mapper(), "create_failed", "creating the session failed",
                    response.statusCode(), response.body());
        }
        JsonNode created = settings.mapper().readTree(response.body());
        String token = created.path("token").asText(null);
        return new Session(created.path("id").asText(null), token, created.path("events_url").asText(null),
                created.path("ws_url").asText(null), ReadTokenExpiry.of(token));
    }

    /** The session's events from its start, as a blocking iterator. */
    public EventStream events(Session session) {
        return events(session, null);
    }

    /** The session's events after {@code lastEventId} (null: from the start), as a blocking iterator. */
    public EventStream events(Session session, String lastEventId) {
        EventStream stream = new EventStream(settings, watchdog, Objects.requireNonNull(session, "session"), lastEventId, http);
        run(stream.follower(), stream::followerExited);
        return stream;
    }

    /** Follows the session from its start, calling {@code listener} on a virtual thread. */
    public Subscription subscribe(Session session, SessionListener listener) {
        return subscribe(session, null, listener);
    }

    /** Follows the session after {@code lastEventId} (null: from the start), calling {@code listener} on a virtual thread. */
    public Subscription subscribe(Session session, String lastEventId, SessionListener listener) {
        Objects.requireNonNull(listener, "listener");
        CountDownLatch finished = new CountDownLatch(1);
        EventFollower follower = new EventFollower(settings, watchdog, http, Objects.requireNonNull(session, "session"),
                lastEventId, new EventFollower.Sink() {
                    @Override
                    public void event(SessionEvent event) {
                        listener.onEvent(event);
                    }

                    @Override
                    public void end() {
                        listener.onEnd();
                    }

                    @Override
                    public void fail(RewindClientException error) {
                        listener.onError(error);
                    }

                    @Override
                    public void reconnecting(int attempt, Duration delay, String reason) {
                        listener.onReconnect(attempt, delay, reason);
                    }
                });
        run(follower, finished::countDown);
        return new Subscription(follower, finished);
    }

    private void run(EventFollower follower, Runnable onExit) {
        running.add(follower);
        follower.onExit(() -> {
            running.remove(follower);
            onExit.run();
        });
        follower.start();
    }

    /** Asks the edge to stop generating ({@code POST /v1/sessions/{id}/cancel} with the read token). */
    public void cancel(Session session, String reason) throws IOException, InterruptedException {
        String body = settings.mapper().writeValueAsString(
                reason == null ? settings.mapper().createObjectNode() : settings.mapper().createObjectNode().put("reason", reason));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(sessionUri(session.id(), "/cancel"))
                .timeout(settings.requestTimeout())
                .header("Authorization", "Bearer " + session.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw Problems.exception(settings.mapper(), "cancel_failed", "cancelling the session failed",
                    response.statusCode(), response.body());
        }
    }

    /** The default {@link TokenRenewer}: {@code POST /v1/sessions/{id}/token} with the current read token. */
    private TokenRenewer.RenewedToken renewAtEdge(String sessionId, String currentToken) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(sessionUri(sessionId, "/token"))
                .timeout(settings.requestTimeout())
                .header("Authorization", "Bearer " + currentToken)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw Problems.exception(settings.mapper(), "token_renewal_failed", "renewing the read token failed",
                    response.statusCode(), response.body());
        }
        JsonNode renewed = settings.mapper().readTree(response.body());
        String expiresAt = renewed.path("expires_at").asText(null);
        return new TokenRenewer.RenewedToken(renewed.path("token").asText(null), expiresAt == null ? null : Instant.parse(expiresAt));
    }

    private URI sessionUri(String sessionId, String suffix) {
        return settings.baseUri().resolve("/v1/sessions/" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8) + suffix);
    }

    /** Closes every stream and subscription still open, and the stall check. */
    @Override
    public void close() {
        running.forEach(EventFollower::close);
        watchdog.shutdownNow();
    }

    /** Options; the defaults suit a service talking to an edge with its default settings. */
    public static final class Builder {
        private final URI baseUri;
        private String apiKey;
        private HttpClient http;
        private ObjectMapper mapper = new ObjectMapper();
        private Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));
        private int maxFailures = 20;
        private Duration idleTimeout = Duration.ofSeconds(45);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration renewBefore = Duration.ofMinutes(1);
        private TokenRenewer tokenRenewer;
        private Sleeper sleeper = duration -> Thread.sleep(duration);
        private Clock clock = Clock.systemUTC();
        private int queueCapacity = 1024;
        private int maxEventChars = 8 * 1024 * 1024;

        private Builder(URI baseUri) {
            Objects.requireNonNull(baseUri, "baseUri");
            if (baseUri.getScheme() == null || !baseUri.getScheme().matches("https?")) {
                throw new IllegalArgumentException("the edge's base URI must be http or https, was " + baseUri);
            }
            this.baseUri = baseUri;
        }

        /** The API key, for {@link #createSession}; never needed to follow events (the read token is). */
        public Builder apiKey(String key) {
            this.apiKey = key;
            return this;
        }

        /** The HTTP client to use (default: a new one with a 10 s connect timeout). */
        public Builder httpClient(HttpClient client) {
            this.http = client;
            return this;
        }

        public Builder objectMapper(ObjectMapper objectMapper) {
            this.mapper = Objects.requireNonNull(objectMapper);
            return this;
        }

        /** Reconnect waits (default: exponential from 1 s — or the edge's {@code retry:} hint — to 30 s, jittered). */
        public Builder backoff(Backoff value) {
            this.backoff = Objects.requireNonNull(value);
            return this;
        }

        /** Consecutive failed reconnects before giving up (default 20); a connection that delivers an event resets the count. */
        public Builder maxFailures(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("maxFailures must not be negative");
            }
            this.maxFailures = value;
            return this;
        }

        /** Silence after which a connection counts as dead (default 45 s; the edge pings every 15 s). */
        public Builder idleTimeout(Duration value) {
            if (value.toMillis() < 4) {
                throw new IllegalArgumentException("idleTimeout must be at least 4 ms");
            }
            this.idleTimeout = value;
            return this;
        }

        /** Only for the client this builder makes itself (ignored with {@link #httpClient}). */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = Objects.requireNonNull(value);
            return this;
        }

        /** Longest wait for response headers (default 30 s). */
        public Builder requestTimeout(Duration value) {
            this.requestTimeout = Objects.requireNonNull(value);
            return this;
        }

        /** How long before its expiry a known-expiry token is renewed (default 1 min, at most half its remaining life). */
        public Builder renewBefore(Duration value) {
            this.renewBefore = Objects.requireNonNull(value);
            return this;
        }

        /** Where fresh read tokens come from (default: the edge's {@code POST /v1/sessions/{id}/token}). */
        public Builder tokenRenewer(TokenRenewer value) {
            this.tokenRenewer = Objects.requireNonNull(value);
            return this;
        }

        public Builder sleeper(Sleeper value) {
            this.sleeper = Objects.requireNonNull(value);
            return this;
        }

        /** The clock that decides when a token is due for renewal (tests move it with the {@link Sleeper}). */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value);
            return this;
        }

        /** Events read ahead of an {@link EventStream}'s consumer (default 1024). */
        public Builder queueCapacity(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1");
            }
            this.queueCapacity = value;
            return this;
        }

        /** The largest event accepted, in characters (default 8 Mi); a larger one fails the stream as not the contract. */
        public Builder maxEventChars(int value) {
            this.maxEventChars = value;
            return this;
        }

        public RewindClient build() {
            return new RewindClient(this);
        }
    }
}
