package dev.rewind.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.auth.AuthSettings;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.token.ReadToken;
import dev.rewind.protocol.token.ReadTokenSigner;
import dev.rewind.sim.SimulatedCompletion;
import dev.rewind.standalone.Standalone;
import dev.rewind.standalone.StandaloneConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client against the real stack (standalone: embedded broker, llm-sim, ingest,
 * stream-processor and edge in this process, on free ports and a temporary data dir), reading
 * through a proxy that cuts its connections at random points: the events arrive each exactly once,
 * in order, and make the exact transcript the simulator planned — also across an upstream reset
 * and an expired token renewed at the edge.
 */
class ClientAgainstStackTest {

    /** Fast reconnects: this test is about exactness, the backoff's pacing has its own tests. */
    private static final Backoff QUICK = (attempt, hint) -> Duration.ofMillis(Math.min(200, 10L * attempt));

    @TempDir
    static Path dataDir;

    private static Standalone stack;
    private static int brokerPort;
    private static RewindClient direct;

    @BeforeAll
    static void start() throws Exception {
        int[] ports = freePorts(6);
        brokerPort = ports[2];
        // the edge signs with the test key, so that a second edge (below) verifies its tokens
        stack = Standalone.start(ConfigLoader.load(StandaloneConfig.class, ConfigLoader.parseYaml("""
                data_dir: "%s"
                demo: false
                http: {host: 127.0.0.1, port: %d}
                sim: {host: 127.0.0.1, port: %d, tokens_per_second: 40, first_token_delay_ms: 50}
                broker: {host: 127.0.0.1, port: %d, controller_port: %d}
                ops: {host: 127.0.0.1, ingest_port: %d, processor_port: %d}
                edge:
                  auth: {signing_keys: {k1: "%s"}, active_signing_key: k1}
                  sse: {heartbeat_ms: 1000}
                ingest: {retry: {initial_backoff_ms: 50}}
                """.formatted(dataDir, ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], EdgeTestConfig.SIGNING_KEY)),
                Map.of(), "standalone-defaults.yaml"));
        direct = RewindClient.builder(URI.create("http://127.0.0.1:" + stack.httpPort())).apiKey(stack.demoApiKey()).build();
    }

    @AfterAll
    static void stop() {
        // null when startup itself failed: its own error is the one to report
        if (direct != null) {
            direct.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void yieldsTheExactTranscriptThroughConnectionsCutAtRandomPoints() throws Exception {
        readThroughCuts("sim-small@length=60", "Cut me anywhere", 150, 1200, (run, session) -> {
            assertThat(run.transcript().text()).as(run.seedNote()).isEqualTo(run.plan().text());
            assertThat(run.events().getLast()).isInstanceOfSatisfying(SessionEvent.Done.class,
                    done -> assertThat(done.finishReason()).isEqualTo("stop"));
            int cutWhileLive = run.proxy().cuts();
            assertThat(cutWhileLive).as("the proxy really cut the stream (%s)", run.seedNote()).isGreaterThanOrEqualTo(3);

            // long after generation the replay from the start is the same sequence, also when cut
            List<SessionEvent> replay = readAll(run.client(), session);
            assertThat(replay).as(run.seedNote()).isEqualTo(run.events());
            assertThat(run.proxy().cuts()).isGreaterThan(cutWhileLive);
        });
    }

    @Test
    void anUpstreamResetClearsWhatCameBeforeAndTheTranscriptIsTheRetriedAnswer() throws Exception {
        readThroughCuts("sim-small@disconnect-after=5x1,length=30", "Fail once after five tokens", 200, 1500, (run, session) -> {
            List<SessionEvent> events = run.events();
            int reset = indexOfFirst(events, SessionEvent.Reset.class);
            assertThat(reset).as("a reset arrived (%s): %s", run.seedNote(), events).isPositive();
            assertThat(events.stream().filter(SessionEvent.Reset.class::isInstance)).hasSize(1);
            String beforeReset = transcriptOf(events.subList(0, reset)).text();
            assertThat(beforeReset).as("the failed attempt's text").isNotEmpty();
            assertThat(run.plan().text()).startsWith(beforeReset);
            assertThat(run.transcript().resets()).isEqualTo(1);
            assertThat(run.transcript().text()).as(run.seedNote()).isEqualTo(run.plan().text());
            assertThat(events.getLast()).isInstanceOf(SessionEvent.Done.class);
        });
    }

    /** One session read whole through a cutting proxy, with what the simulator planned for it. */
    private record CutRun(List<SessionEvent> events, Transcript transcript, SimulatedCompletion plan, ChaosProxy proxy,
            RewindClient client, long seed) {
        String seedNote() {
            return "seed " + seed;
        }
    }

    @FunctionalInterface
    private interface CutRunCheck {
        void check(CutRun run, Session session) throws Exception;
    }

    /**
     * Creates a session, reads it through a proxy that cuts each connection after {@code minBytes} to
     * {@code maxBytes} (random, seeded and reported), asserts exactly-once order, then runs {@code check}.
     */
    private static void readThroughCuts(String model, String prompt, int minBytes, int maxBytes, CutRunCheck check)
            throws Exception {
        long seed = ThreadLocalRandom.current().nextLong();
        String seededPrompt = prompt + ", seed " + seed;
        Session session = create(model, seededPrompt);
        try (ChaosProxy proxy = new ChaosProxy(stack.httpPort(), seed);
                RewindClient client = throughProxy(proxy)) {
            proxy.cutAfterRandomBytes(minBytes, maxBytes);
            List<SessionEvent> events = readAll(client, session);
            assertExactlyOnceInOrder(events, seed);
            check.check(new CutRun(events, transcriptOf(events), generatedFor(model, seededPrompt), proxy, client, seed), session);
        }
    }

    @Test
    void anExpiredTokenIsRenewedAtTheEdgeAndTheSubscriptionResumesWithoutLossOrDuplicate() throws Exception {
        // the edge's clock moves past the token's expiry (the shortest TTL is a minute) by less
        // than the renewal grace, so the token may still renew itself there
        try (ExpiringEdge edge = ExpiringEdge.start()) {
            AuthSettings auth = edge.auth();
            ChaosProxy proxy = edge.proxy();
            String prompt = "Expire my token halfway, please.";
            String model = "sim-small@length=40";
            Session session = create(model, prompt);
            ExpiringRun run = followAcrossExpiry(edge, session,
                    Duration.ofSeconds(auth.tokenTtlSeconds() + auth.renewalGraceSeconds() / 2));
            assertThat(run.error()).as("the subscription ended well").isNull();
            assertExactlyOnceInOrder(run.events(), 1);
            assertThat(transcriptOf(run.events()).text()).isEqualTo(generatedFor(model, prompt).text());

            // what went to the edge: streams with the first token, one renewal with it, streams with the new one
            List<ChaosProxy.Request> requests = proxy.requests();
            String renewalPath = "/v1/sessions/" + session.id() + "/token";
            List<ChaosProxy.Request> renewals = requests.stream().filter(r -> r.target().equals(renewalPath)).toList();
            assertThat(renewals).as("requests: %s", requests).singleElement()
                    .satisfies(r -> assertThat(r.method()).isEqualTo("POST"))
                    .satisfies(r -> assertThat(r.bearer()).isEqualTo(session.token()));
            int renewal = requests.indexOf(renewals.getFirst());
            List<ChaosProxy.Request> before = requests.subList(0, renewal);
            List<ChaosProxy.Request> after = requests.subList(renewal + 1, requests.size());
            assertThat(before).as("the first stream and the one refused with 401").hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(r -> assertThat(r.bearer()).isEqualTo(session.token()));
            assertThat(after).isNotEmpty().allSatisfy(r -> {
                assertThat(r.method()).isEqualTo("GET");
                assertThat(r.target()).startsWith("/v1/sessions/" + session.id() + "/events");
            });
            String renewed = after.getFirst().bearer();
            assertThat(after).allSatisfy(r -> assertThat(r.bearer()).isEqualTo(renewed));
            assertThat(renewed).isNotEqualTo(session.token());

            // the edge minted it on its moved clock: same session and created_at, a full lifetime from then
            ReadToken first = verified(session.token());
            ReadToken fresh = verified(renewed);
            assertThat(fresh.sessionId()).isEqualTo(session.id());
            assertThat(fresh.createdAt()).isEqualTo(first.createdAt());
            assertThat(fresh.expiresAt()).isAfter(first.expiresAt().plusSeconds(auth.tokenTtlSeconds()));

            // it resumed right after the last event it had: the refused stream and the renewed one ask for the same id
            String resumedAfter = after.getFirst().lastEventId();
            assertThat(resumedAfter).isNotNull().isEqualTo(before.getLast().lastEventId());
            List<String> ids = run.events().stream().map(SessionEvent::id).toList();
            assertThat(ids.indexOf(resumedAfter)).as("resumed after one of the events: %s", ids)
                    .isBetween(4, ids.size() - 2);
        }
    }

    @Test
    void aTokenExpiredLongerThanTheRenewalGraceEndsTheSubscriptionWithTokenRenewalFailed() throws Exception {
        try (ExpiringEdge edge = ExpiringEdge.start()) {
            AuthSettings auth = edge.auth();
            ChaosProxy proxy = edge.proxy();
            Session session = create("sim-small@length=40", "Expire my token for good.");
            ExpiringRun run = followAcrossExpiry(edge, session,
                    Duration.ofSeconds(auth.tokenTtlSeconds() + auth.renewalGraceSeconds() + 60));
            assertThat(run.error()).isNotNull().satisfies(error -> {
                assertThat(error.code()).isEqualTo("token_renewal_failed");
                assertThat(error.status()).isEqualTo(401);
            });
            assertThat(proxy.requests()).filteredOn(r -> r.target().endsWith("/token")).singleElement()
                    .satisfies(r -> assertThat(r.bearer()).isEqualTo(session.token()));
            List<SessionEvent> events = run.events();
            assertThat(events).extracting(e -> ((SessionEvent.Numbered) e).seq())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
            assertThat(events).noneMatch(SessionEvent::isTerminal);
        }
    }

    /** A second edge on the stack's broker, on a clock the test moves, read through a proxy that cuts only when told. */
    private record ExpiringEdge(ShiftedClock clock, AuthSettings auth, EdgeServer server, ChaosProxy proxy)
            implements AutoCloseable {
        static ExpiringEdge start() throws IOException {
            ShiftedClock clock = new ShiftedClock();
            EdgeConfig config = EdgeTestConfig.forBroker("127.0.0.1:" + brokerPort, 3);
            EdgeServer server = EdgeServer.start(config, clock);
            try {
                return new ExpiringEdge(clock, config.auth(), server, new ChaosProxy(server.port(), 1));
            } catch (IOException e) {
                server.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                proxy.close();
            } finally {
                server.close();
            }
        }
    }

    /** What a subscription delivered across a token expiry, and the error that ended it (null when it ended well). */
    private record ExpiringRun(List<SessionEvent> events, RewindClientException error) {}

    /**
     * Subscribes with the client's default renewer through the edge's proxy, and once five events have
     * arrived moves the edge's clock by {@code shift} and cuts the connection, so the next one is
     * refused with 401; returns when the subscription has ended.
     */
    private static ExpiringRun followAcrossExpiry(ExpiringEdge edge, Session session, Duration shift) throws Exception {
        List<SessionEvent> events = new CopyOnWriteArrayList<>();
        AtomicReference<RewindClientException> error = new AtomicReference<>();
        try (RewindClient client = throughProxy(edge.proxy());
                Subscription subscription = client.subscribe(session, new SessionListener() {
                    @Override
                    public void onEvent(SessionEvent event) {
                        events.add(event);
                    }

                    @Override
                    public void onError(RewindClientException e) {
                        error.set(e);
                    }
                })) {
            await().atMost(Duration.ofSeconds(60)).until(() -> events.size() >= 5);
            edge.clock().shift(shift);
            edge.proxy().cutAll();
            assertThat(subscription.await(Duration.ofSeconds(60))).as("the subscription ended").isTrue();
        }
        return new ExpiringRun(List.copyOf(events), error.get());
    }

    @Test
    void theEdgeServesTheBrowserClient() throws Exception {
        HttpResponse<String> script = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + "/rewind-client.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElse("")).contains("javascript");
        assertThat(script.body()).contains("export function subscribe(").contains("export function reduce(");
    }

    /** A client with the default token renewer (the edge's endpoint), reconnecting quickly. */
    private static RewindClient throughProxy(ChaosProxy proxy) {
        return RewindClient.builder(proxy.uri()).backoff(QUICK).maxFailures(50).idleTimeout(Duration.ofSeconds(10)).build();
    }

    private static List<SessionEvent> readAll(RewindClient client, Session session) {
        List<SessionEvent> events = new ArrayList<>();
        try (EventStream stream = client.events(session)) {
            stream.forEachRemaining(events::add);
        }
        return events;
    }

    /** seq 1, 2, 3, … with no hole and no repeat, exactly one terminal event, last. */
    private static void assertExactlyOnceInOrder(List<SessionEvent> events, long seed) {
        assertThat(events).as("seed %d", seed).allMatch(SessionEvent.Numbered.class::isInstance);
        assertThat(events).extracting(e -> ((SessionEvent.Numbered) e).seq()).as("seed %d", seed)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events.getFirst()).isInstanceOf(SessionEvent.Start.class);
        assertThat(events).filteredOn(SessionEvent::isTerminal).hasSize(1);
        assertThat(events.getLast().isTerminal()).isTrue();
    }

    private static Transcript transcriptOf(List<SessionEvent> events) {
        Transcript transcript = new Transcript();
        events.forEach(transcript::apply);
        return transcript;
    }

    private static int indexOfFirst(List<SessionEvent> events, Class<?> type) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * What the simulator answers: its plan is a pure function of the model (with its fault script)
     * and the conversation, which ingest passes on unchanged in the Chat Completions format.
     */
    private static SimulatedCompletion generatedFor(String model, String prompt) {
        ObjectNode body = new ObjectMapper().createObjectNode().put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return SimulatedCompletion.plan(body);
    }

    private static Session create(String model, String prompt) throws Exception {
        return direct.createSession(SessionRequest.ask(model, prompt));
    }

    /** A read token the edge issued, its signature checked and its expiry not (it may be long past). */
    private static ReadToken verified(String token) {
        ReadTokenSigner signer = new ReadTokenSigner(Map.of("k1", Base64.getDecoder().decode(EdgeTestConfig.SIGNING_KEY)), "k1");
        try {
            return signer.verify(token, Instant.EPOCH);
        } catch (dev.rewind.protocol.token.InvalidTokenException e) {
            throw new IllegalStateException("the edge issued a token its own key does not verify", e);
        }
    }

    private static int[] freePorts(int count) throws Exception {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            }
            return Arrays.stream(sockets).mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    /** The system clock plus an offset the test sets. */
    private static final class ShiftedClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void shift(Duration by) {
            offset = offset.plus(by);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
