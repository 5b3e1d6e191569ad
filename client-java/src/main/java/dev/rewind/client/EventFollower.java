package dev.rewind.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Follows one session's stream on its own virtual thread: connects with the read token and
 * {@code Last-Event-ID}, hands each new event to a {@link Sink}, and after a drop, a stall or a
 * retryable refusal reconnects from the last event it handed on, after a jittered backoff. 401
 * renews the token; 204 and the terminal event end; other refusals fail.
 */
final class EventFollower {

    /** Where events go, in order; a blocking sink slows the reader down (backpressure). */
    interface Sink {
        void event(SessionEvent event) throws InterruptedException;

        void end() throws InterruptedException;

        void fail(RewindClientException error) throws InterruptedException;

        default void reconnecting(int attempt, Duration delay, String reason) {}
    }

    private static final Set<Integer> RETRYABLE = Set.of(408, 425, 429, 500, 502, 503, 504);
    private static final Set<Integer> RENEWAL_REFUSED = Set.of(401, 403, 404);
    private static final int MAX_GAPS_REMEMBERED = 100;

    private final RewindClient.Settings settings;
    private final ScheduledExecutorService watchdog;
    private final HttpClient http;
    private final Session session;
    private final URI eventsUri;
    private final Sink sink;
    private final SequencedSet<String> gapsSeen = new LinkedHashSet<>();
    private volatile boolean closed;
    private volatile InputStream body;
    private volatile boolean reading;
    private volatile long lastActivityNanos;
    private volatile String lastEventId;
    private Thread thread;
    private Runnable onExit = () -> {};
    private String token;
    private Instant renewAt;
    private long lastSeq;
    private Duration serverHint;
    private int failures;
    private boolean ended;

    EventFollower(RewindClient.Settings settings, ScheduledExecutorService watchdog, HttpClient http, Session session,
            String from, Sink sink) {
        this.settings = settings;
        this.watchdog = watchdog;
        this.http = http;
        this.session = session;
        this.eventsUri = settings.baseUri().resolve("/v1/sessions/" + URLEncoder.encode(session.id(), StandardCharsets.UTF_8) + "/events");
        this.sink = sink;
        this.lastEventId = from;
        this.token = session.token();
        learnExpiry(session.tokenExpiresAt() != null ? session.tokenExpiresAt() : ReadTokenExpiry.of(token));
    }

    void onExit(Runnable action) {
        this.onExit = action;
    }

    void start() {
        thread = Thread.ofVirtual().name("rewind-follow-" + session.id()).start(() -> {
            try {
                run();
            } finally {
                onExit.run();
            }
        });
    }

    String lastEventId() {
        return lastEventId;
    }

    void close() {
        closed = true;
        closeBody();
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        try {
            follow();
        } catch (RewindClientException e) {
            deliverFailure(e);
        } catch (InterruptedException e) {
            // closed
        } catch (RuntimeException e) {
            // the sink (a listener) threw: following stops and says why
            deliverFailure(new RewindClientException("listener_failed", "the event listener threw: " + e, 0, null, e));
        }
    }

    private void deliverFailure(RewindClientException error) {
        if (closed) {
            return;
        }
        try {
            sink.fail(error);
        } catch (InterruptedException ignored) {
            // closed while handing over the failure
        }
    }

    private void follow() throws InterruptedException {
        boolean renewedForThisRefusal = false;
        while (!closed) {
            if (renewAt != null && !settings.clock().instant().isBefore(renewAt)) {
                renewEarly();
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(eventsRequest(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                pause("connect failed: " + e, null);
                continue;
            }
            int status = response.statusCode();
            if (status == 200) {
                renewedForThisRefusal = false;
                boolean progressed = read(response.body());
                if (ended || closed) {
                    return;
                }
                if (progressed) {
                    failures = 0;
                }
                pause("stream ended before the terminal event", null);
            } else if (status == 204) {
                discard(response);
                // a finished session with nothing after the cursor: everything has been delivered
                ended = true;
                sink.end();
                return;
            } else if (status == 401 && !renewedForThisRefusal) {
                discard(response);
                renewedForThisRefusal = true;
                renew();
            } else if (RETRYABLE.contains(status)) {
                discard(response);
                pause("HTTP " + status, retryAfter(response));
            } else {
                throw refusal("refused", "the edge refused the stream", response);
            }
        }
    }

    private HttpRequest eventsRequest() {
        HttpRequest.Builder request = HttpRequest.newBuilder(eventsUri)
                .timeout(settings.requestTimeout())
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + token)
                .GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return request.build();
    }

    /** Reads one response until it ends, stalls or the session ends; true if a new event arrived. */
    private boolean read(InputStream stream) throws InterruptedException {
        body = stream;
        if (closed) {
            closeBody();
            return false;
        }
        Deque<SessionEvent> parsed = new ArrayDeque<>();
        List<RewindClientException> protocolErrors = new ArrayList<>(1);
        SseParser parser = new SseParser(new SseParser.Listener() {
            @Override
            public void event(String id, String type, String data) {
                try {
                    SessionEvent event = SessionEvent.of(id, type, settings.mapper().readTree(data));
                    if (event != null) {
                        parsed.add(event);
                    }
                } catch (IOException e) {
                    protocolErrors.add(new RewindClientException("protocol", "event data is not JSON: " + e.getMessage()));
                }
            }

            @Override
            public void retry(long millis) {
                serverHint = Duration.ofMillis(millis);
            }

            @Override
            public void comment() {
                // heartbeats only prove the connection is alive, which reading them already did
            }
        });
        boolean progressed = false;
        lastActivityNanos = System.nanoTime();
        ScheduledFuture<?> stallCheck = watchdog.scheduleAtFixedRate(this::abortIfStalled,
                settings.idleTimeout().toMillis() / 4, settings.idleTimeout().toMillis() / 4, TimeUnit.MILLISECONDS);
        try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            char[] buffer = new char[8192];
            while (!closed) {
                lastActivityNanos = System.nanoTime();
                reading = true;
                int n = reader.read(buffer);
                reading = false;
                if (n < 0) {
                    break;
                }
                parser.feed(buffer, 0, n);
                if (!protocolErrors.isEmpty()) {
                    throw protocolErrors.getFirst();
                }
                if (parser.pendingLineLength() > settings.maxEventChars()) {
                    throw new RewindClientException("protocol", "an event exceeds " + settings.maxEventChars() + " characters");
                }
                while (!parsed.isEmpty()) {
                    if (deliver(parsed.poll())) {
                        progressed = true;
                    }
                    if (ended) {
                        return true;
                    }
                }
            }
        } catch (IOException e) {
            // dropped, or aborted as stalled: the caller reconnects from the last delivered id
        } finally {
            reading = false;
            stallCheck.cancel(false);
            closeBody();
        }
        return progressed;
    }

    /** Hands on an event unless it was delivered before; true if it was new. */
    private boolean deliver(SessionEvent event) throws InterruptedException {
        switch (event) {
            case SessionEvent.Gap gap -> {
                if (!gapsSeen.add(gap.resumedAt())) {
                    return false;
                }
                if (gapsSeen.size() > MAX_GAPS_REMEMBERED) {
                    gapsSeen.removeFirst();
                }
            }
            case SessionEvent.Numbered numbered -> {
                if (numbered.seq() <= lastSeq) {
                    return false;
                }
                lastSeq = numbered.seq();
            }
        }
        if (event.id() != null) {
            lastEventId = event.id();
        }
        if (event.isTerminal()) {
            ended = true;
        }
        sink.event(event);
        if (ended) {
            sink.end();
        }
        return true;
    }

    private void abortIfStalled() {
        // heartbeats arrive every ~15 s: silence much longer than that is a half-open connection
        if (reading && System.nanoTime() - lastActivityNanos > settings.idleTimeout().toNanos()) {
            closeBody();
        }
    }

    private void closeBody() {
        InputStream current = body;
        if (current != null) {
            try {
                current.close();
            } catch (IOException ignored) {
                // closing is all that was wanted
            }
        }
    }

    /**
     * Renews ahead of expiry. A failure here is not final — the current token may still be good — so
     * it only stops early renewal: a later 401 renews (or fails) for real.
     */
    private void renewEarly() throws InterruptedException {
        try {
            adopt(settings.tokenRenewer().renew(session.id(), token));
        } catch (IOException | RuntimeException e) {
            renewAt = null;
        }
    }

    /** Renews the token, retrying failed attempts with the backoff; a refusal (401/403/404) is final. */
    private void renew() throws InterruptedException {
        while (!closed) {
            try {
                adopt(settings.tokenRenewer().renew(session.id(), token));
                return;
            } catch (RewindClientException e) {
                if (RENEWAL_REFUSED.contains(e.status())) {
                    throw new RewindClientException("token_renewal_failed", "renewing the read token failed: " + e.getMessage(),
                            e.status(), e.detail(), e);
                }
                pause("token renewal failed: " + e.getMessage(), null);
            } catch (IOException e) {
                pause("token renewal failed: " + e, null);
            }
        }
    }

    private void adopt(TokenRenewer.RenewedToken renewed) {
        token = renewed.token();
        learnExpiry(renewed.expiresAt() != null ? renewed.expiresAt() : ReadTokenExpiry.of(token));
    }

    /** Renews ahead of expiry by at most half the remaining life, so a short-lived token is not renewed in a loop. */
    private void learnExpiry(Instant expiresAt) {
        if (expiresAt == null) {
            renewAt = null;
            return;
        }
        Duration remaining = Duration.between(settings.clock().instant(), expiresAt);
        Duration early = remaining.isNegative() ? Duration.ZERO : remaining.dividedBy(2);
        renewAt = expiresAt.minus(settings.renewBefore().compareTo(early) < 0 ? settings.renewBefore() : early);
    }

    /** Waits the backoff for one more consecutive failure; too many in a row are final. */
    private void pause(String reason, Duration retryAfter) throws InterruptedException {
        failures++;
        if (failures > settings.maxFailures()) {
            throw new RewindClientException("unavailable",
                    "gave up after " + settings.maxFailures() + " failed reconnects (" + reason + ")");
        }
        Duration wait = settings.backoff().delay(failures, serverHint);
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
            wait = retryAfter;
        }
        sink.reconnecting(failures, wait, reason);
        settings.sleeper().sleep(wait);
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        String value = response.headers().firstValue("Retry-After").map(String::strip).orElse(null);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.chars().allMatch(Character::isDigit) && value.length() <= 9) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            Duration until = Duration.between(Instant.now(),
                    DateTimeFormatter.RFC_1123_DATE_TIME.parse(value, Instant::from));
            return until.isNegative() ? Duration.ZERO : until;
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static void discard(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // nothing to keep
        }
    }

    /** A final refusal, with the problem's detail when the body is problem JSON. */
    RewindClientException refusal(String code, String what, HttpResponse<InputStream> response) {
        return Problems.exception(settings.mapper(), code, what, response.statusCode(), readBody(response));
    }

    private static String readBody(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
