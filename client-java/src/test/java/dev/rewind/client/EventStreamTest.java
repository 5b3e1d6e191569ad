package dev.rewind.client;

import static dev.rewind.client.ScriptedEdge.id;
import static dev.rewind.client.ScriptedEdge.session;
import static dev.rewind.client.ScriptedEdge.sse;
import static dev.rewind.client.ScriptedEdge.status;
import static dev.rewind.client.ScriptedEdge.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java client against a scripted edge: resume, end, renewal, backoff and refusals. */
@Timeout(20)
class EventStreamTest {

    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
    }

    private ScriptedEdge edge(ScriptedEdge.Script script) throws Exception {
        ScriptedEdge edge = new ScriptedEdge(script);
        open.add(edge);
        return edge;
    }

    /** A client whose waits are recorded, not slept. */
    private RewindClient client(ScriptedEdge edge, java.util.function.Consumer<RewindClient.Builder> options) {
        RewindClient.Builder builder = RewindClient.builder(edge.uri()).sleeper(waits::add)
                .backoff((attempt, hint) -> Duration.ofMillis(attempt));
        options.accept(builder);
        RewindClient client = builder.build();
        open.add(client);
        return client;
    }

    private static Transcript drain(EventStream events) {
        Transcript transcript = new Transcript();
        try (events) {
            events.forEachRemaining(e -> assertThat(transcript.apply(e)).as("every event is new: %s", e).isTrue());
        }
        return transcript;
    }

    @Test
    void aDropInTheMiddleOfAnEventResumesAfterTheLastWholeOneWithoutDuplicates() throws Exception {
        List<String> frames = session("Hel", "lo", " wor", "ld");
        ScriptedEdge edge = edge((exchange, n) -> {
            OutputStream out = sse(exchange);
            if (n == 0) {
                write(out, "retry: 2500\n\n" + String.join("", frames.subList(0, 3)) + frames.get(3).substring(0, 20));
            } else {
                write(out, String.join("", frames.subList(2, frames.size()))); // overlaps: re-sends one seen event
            }
        });
        List<Duration> hints = new CopyOnWriteArrayList<>();
        RewindClient client = client(edge, b -> b.backoff((attempt, hint) -> {
            hints.add(hint);
            return Duration.ofMillis(1);
        }));
        List<SessionEvent> seen = new ArrayList<>();
        try (EventStream events = client.events(Session.of("s1", "tok"))) {
            events.forEachRemaining(seen::add);
            assertThat(events.lastEventId()).isEqualTo(id(6));
        }
        assertThat(seen).extracting(e -> ((SessionEvent.Numbered) e).seq()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        Transcript transcript = new Transcript();
        seen.forEach(transcript::apply);
        assertThat(transcript.text()).isEqualTo("Hello world");
        assertThat(seen.getLast()).isInstanceOf(SessionEvent.Done.class);
        assertThat(edge.streams()).extracting(r -> r.header("Last-Event-ID")).containsExactly(null, id(3));
        assertThat(edge.streams()).extracting(r -> r.header("Authorization")).containsOnly("Bearer tok");
        assertThat(hints).as("the edge's retry: hint is the backoff's base").containsExactly(Duration.ofMillis(2500));
    }

    @Test
    void aFinishedSessionWithNothingAfterTheCursorEndsTheStream() throws Exception {
        ScriptedEdge edge = edge((exchange, n) -> status(exchange, 204, "", Map.of()));
        try (EventStream events = client(edge, b -> {}).events(Session.of("s1", "tok"), id(9))) {
            assertThat(events.hasNext()).isFalse();
            assertThat(events.lastEventId()).isEqualTo(id(9));
        }
        assertThat(edge.streams()).singleElement().extracting(r -> r.header("Last-Event-ID")).isEqualTo(id(9));
        assertThat(waits).isEmpty();
    }

    @Test
    void anExpiredTokenIsRenewedAtTheEdgeAndTheStreamResumesWithTheFreshOne() throws Exception {
        ScriptedEdge edge = edge((exchange, n) -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (exchange.getRequestMethod().equals("POST")) {
                assertThat(exchange.getRequestURI().getPath()).isEqualTo("/v1/sessions/s1/token");
                ScriptedEdge.json(exchange, 200, "{\"token\":\"fresh\",\"expires_at\":\"" + Instant.now().plusSeconds(3600) + "\"}");
            } else if (auth.equals("Bearer fresh")) {
                write(sse(exchange), String.join("", session("ok")));
            } else {
                status(exchange, 401, "read token has expired", Map.of());
            }
        });
        Transcript transcript = drain(client(edge, b -> {}).events(Session.of("s1", "old")));
        assertThat(transcript.text()).isEqualTo("ok");
        assertThat(edge.requests()).extracting(r -> r.method() + " " + r.path() + " " + r.header("Authorization")).containsExactly(
                "GET /v1/sessions/s1/events Bearer old",
                "POST /v1/sessions/s1/token Bearer old",
                "GET /v1/sessions/s1/events Bearer fresh");
    }

    @Test
    void aRefusedRenewalEndsTheStreamWithTheEdgesReason() throws Exception {
        ScriptedEdge edge = edge((exchange, n) -> status(exchange, 401,
                exchange.getRequestMethod().equals("POST") ? "expired too long ago" : "read token has expired", Map.of()));
        try (EventStream events = client(edge, b -> {}).events(Session.of("s1", "old"))) {
            assertThatThrownBy(events::hasNext).isInstanceOfSatisfying(RewindClientException.class, e -> {
                assertThat(e.code()).isEqualTo("token_renewal_failed");
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.detail()).isEqualTo("expired too long ago");
            });
        }
    }

    @Test
    void aCustomRenewerReplacesTheEdgeAndASecond401InARowIsFinal() throws Exception {
        ScriptedEdge edge = edge((exchange, n) -> status(exchange, 401, "unknown signing key", Map.of()));
        List<String> asked = new CopyOnWriteArrayList<>();
        RewindClient client = client(edge, b -> b.tokenRenewer((sessionId, current) -> {
            asked.add(sessionId + " " + current);
            return new TokenRenewer.RenewedToken("from-backend", null);
        }));
        try (EventStream events = client.events(Session.of("s1", "old"))) {
            assertThatThrownBy(events::hasNext).isInstanceOfSatisfying(RewindClientException.class,
                    e -> assertThat(e.code() + " " + e.status()).isEqualTo("refused 401"));
        }
        assertThat(asked).containsExactly("s1 old");
        assertThat(edge.requests()).extracting(ScriptedEdge.Request::method).containsOnly("GET");
        assertThat(edge.streams()).extracting(r -> r.header("Authorization")).containsExactly("Bearer old", "Bearer from-backend");
    }

    @Test
    void retryableRefusalsBackOffHonouringRetryAfterAndProgressResetsTheCount() throws Exception {
        List<String> frames = session("a", "b");
        ScriptedEdge edge = edge((exchange, n) -> {
            switch (n) {
                case 0 -> status(exchange, 503, "busy", Map.of("Retry-After", "7"));
                case 1 -> status(exchange, 502, "bad gateway", Map.of());
                case 2 -> write(sse(exchange), String.join("", frames.subList(0, 2)));
                case 3 -> status(exchange, 500, "oops", Map.of());
                default -> write(sse(exchange), String.join("", frames.subList(2, frames.size())));
            }
        });
        Transcript transcript = drain(client(edge, b -> {}).events(Session.of("s1", "tok")));
        assertThat(transcript.text()).isEqualTo("ab");
        // attempt 1 waits the Retry-After, attempt 2 the backoff, then progress: attempt 1 again, then 2
        assertThat(waits).containsExactly(Duration.ofSeconds(7), Duration.ofMillis(2), Duration.ofMillis(1), Duration.ofMillis(2));
    }

    @Test
    void tooManyFailedReconnectsInARowGiveUp() throws Exception {
        ScriptedEdge edge = edge((exchange, n) -> status(exchange, 503, "down", Map.of()));
        try (EventStream events = client(edge, b -> b.maxFailures(3)).events(Session.of("s1", "tok"))) {
            assertThatThrownBy(events::hasNext).isInstanceOfSatisfying(RewindClientException.class,
                    e -> assertThat(e.code()).isEqualTo("unavailable"));
        }
        assertThat(edge.streams()).hasSize(4);
    }

    @Test
    void otherRefusalsAreFinalAndCarryTheProblemDetail() throws Exception {
        ScriptedEdge edge = edge((exchange, n) -> status(exchange, 403, "read token belongs to another session", Map.of()));
        try (EventStream events = client(edge, b -> {}).events(Session.of("s1", "tok"))) {
            assertThatThrownBy(events::hasNext).isInstanceOfSatisfying(RewindClientException.class, e -> {
                assertThat(e.code()).isEqualTo("refused");
                assertThat(e.status()).isEqualTo(403);
                assertThat(e.getMessage()).contains("another session");
            });
        }
        assertThat(edge.requests()).hasSize(1);
    }

    @Test
    void aConnectionSilentBeyondTheIdleTimeoutIsDroppedAndResumed() throws Exception {
        List<String> frames = session("quiet", " then more");
        CountDownLatch testOver = new CountDownLatch(1);
        ScriptedEdge edge = edge((exchange, n) -> {
            OutputStream out = sse(exchange);
            if (n == 0) {
                write(out, String.join("", frames.subList(0, 2)));
                testOver.await(15, TimeUnit.SECONDS); // then silence, not even a ping
            } else {
                write(out, String.join("", frames.subList(2, frames.size())));
            }
        });
        open.add(testOver::countDown);
        Transcript transcript = drain(client(edge, b -> b.idleTimeout(Duration.ofMillis(300))).events(Session.of("s1", "tok")));
        assertThat(transcript.text()).isEqualTo("quiet then more");
        assertThat(edge.streams()).extracting(r -> r.header("Last-Event-ID")).containsExactly(null, id(2));
    }

    @Test
    void aTokenCloseToItsExpiryIsRenewedBeforeTheNextConnection() throws Exception {
        List<String> frames = session("x", "y");
        ScriptedEdge edge = edge((exchange, n) -> write(sse(exchange),
                n == 0 ? String.join("", frames.subList(0, 2)) : String.join("", frames.subList(2, frames.size()))));
        MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        String expiring = rt1("s1", clock.instant().plusSeconds(40));
        List<String> renewed = new CopyOnWriteArrayList<>();
        RewindClient client = client(edge, b -> b.tokenRenewer((sessionId, current) -> {
            renewed.add(current);
            return new TokenRenewer.RenewedToken("fresh", clock.instant().plusSeconds(3600));
        }).clock(clock).backoff((attempt, hint) -> Duration.ofSeconds(30)).sleeper(clock::advance));
        Transcript transcript = drain(client.events(new Session("s1", expiring, null, null, null)));
        assertThat(transcript.text()).isEqualTo("xy");
        // due at expiry minus half its remaining life (20 s): after the 30 s backoff, before reconnecting
        assertThat(renewed).containsExactly(expiring);
        assertThat(edge.streams()).extracting(r -> r.header("Authorization")).containsExactly("Bearer " + expiring, "Bearer fresh");
    }

    @Test
    void aFailedEarlyRenewalKeepsTheCurrentTokenUntilThe401RenewsForReal() throws Exception {
        List<String> frames = session("p", "q");
        ScriptedEdge edge = edge((exchange, n) -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (n == 0) {
                write(sse(exchange), String.join("", frames.subList(0, 2)));
            } else if (auth.equals("Bearer fresh")) {
                write(sse(exchange), String.join("", frames.subList(2, frames.size())));
            } else {
                status(exchange, 401, "read token has expired", Map.of());
            }
        });
        MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        String expiring = rt1("s1", clock.instant().plusSeconds(40));
        AtomicInteger calls = new AtomicInteger();
        RewindClient client = client(edge, b -> b.tokenRenewer((sessionId, current) -> {
            if (calls.incrementAndGet() == 1) {
                throw new RewindClientException("token_renewal_failed", "not yet", 503, null, null);
            }
            return new TokenRenewer.RenewedToken("fresh", null);
        }).clock(clock).backoff((attempt, hint) -> Duration.ofSeconds(30)).sleeper(clock::advance));
        Transcript transcript = drain(client.events(new Session("s1", expiring, null, null, null)));
        assertThat(transcript.text()).isEqualTo("pq");
        assertThat(calls.get()).isEqualTo(2);
        assertThat(edge.streams()).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer " + expiring, "Bearer " + expiring, "Bearer fresh");
    }

    /** A clock the test's sleeper moves forward, so waits take no real time. */
    static final class MovableClock extends java.time.Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void theCallbackApiDeliversEachEventOnceThenEnds() throws Exception {
        List<String> frames = session("call", "backs");
        ScriptedEdge edge = edge((exchange, n) -> write(sse(exchange),
                n == 0 ? String.join("", frames.subList(0, 3)) : String.join("", frames)));
        List<String> calls = new CopyOnWriteArrayList<>();
        try (Subscription subscription = client(edge, b -> {}).subscribe(Session.of("s1", "tok"), new SessionListener() {
            @Override
            public void onEvent(SessionEvent event) {
                calls.add(event.type() + (event instanceof SessionEvent.Token t ? ":" + t.text() : ""));
            }

            @Override
            public void onEnd() {
                calls.add("end");
            }

            @Override
            public void onReconnect(int attempt, Duration delay, String reason) {
                calls.add("reconnect " + attempt);
            }
        })) {
            assertThat(subscription.await(Duration.ofSeconds(10))).isTrue();
            assertThat(subscription.lastEventId()).isEqualTo(id(4));
        }
        assertThat(calls).containsExactly("start", "token:call", "token:backs", "reconnect 1", "done", "end");
    }

    @Test
    void closingTheClientEndsItsOpenStreamsInsteadOfLeavingAReaderWaiting() throws Exception {
        CountDownLatch testOver = new CountDownLatch(1);
        open.add(testOver::countDown);
        ScriptedEdge edge = edge((exchange, n) -> {
            write(sse(exchange), session("a").getFirst());
            testOver.await(15, TimeUnit.SECONDS);
        });
        RewindClient client = client(edge, b -> {});
        EventStream events = client.events(Session.of("s1", "tok"));
        assertThat(events.next()).isInstanceOf(SessionEvent.Start.class);
        client.close();
        assertThat(events.hasNext()).isFalse();
    }

    @Test
    void theEventsOfTheContractParseIntoTheirTypes() throws Exception {
        String events = ScriptedEdge.frame(id(1), "tool_call",
                "{\"seq\":1,\"index\":0,\"id\":\"call_1\",\"name\":\"f\",\"arguments_delta\":\"{}\",\"arguments\":{},\"final\":true}")
                + ScriptedEdge.frame(id(2), "status", "{\"seq\":2,\"state\":\"retrying\",\"attempt\":2,\"delay_ms\":300,\"reason\":\"503\"}")
                + ScriptedEdge.frame(id(3), "warning", "{\"seq\":3,\"code\":\"malformed\",\"message\":\"skipped\"}")
                + ScriptedEdge.frame(id(4), "reset", "{\"seq\":4,\"attempt\":2,\"reason\":\"r\"}")
                + ScriptedEdge.frame("0-200-4", "gap", "{\"requested\":\"0-10-4\",\"resumed_at\":\"0-200-4\"}")
                + ScriptedEdge.frame(id(5), "novel", "{\"seq\":5,\"x\":1}")
                + ScriptedEdge.frame(id(6), "cancelled", "{\"seq\":6,\"by\":\"team\",\"reason\":\"user\"}");
        ScriptedEdge edge = edge((exchange, n) -> write(sse(exchange), events));
        List<SessionEvent> seen = new ArrayList<>();
        try (EventStream stream = client(edge, b -> {}).events(Session.of("s1", "tok"))) {
            stream.forEachRemaining(seen::add);
        }
        assertThat(seen).extracting(SessionEvent::type).containsExactly("tool_call", "status", "warning", "reset", "gap", "novel", "cancelled");
        assertThat(seen.get(0)).isEqualTo(new SessionEvent.ToolCall(id(1), 1, 0, "call_1", "f", "{}",
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), true));
        assertThat(seen.get(1)).isEqualTo(new SessionEvent.Status(id(2), 2, "retrying", 2, 300L, "503"));
        assertThat(seen.get(4)).isEqualTo(new SessionEvent.Gap("0-200-4", "0-10-4", "0-200-4"));
        assertThat(seen.getLast()).isEqualTo(new SessionEvent.Cancelled(id(6), 6, "team", "user"));
        assertThat(seen.getLast().isTerminal()).isTrue();
    }

    static String rt1(String sessionId, Instant expiresAt) {
        String payload = sessionId + "|" + Instant.now().toEpochMilli() + "|" + expiresAt.toEpochMilli();
        return "rt1.k1." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".sig";
    }
}
