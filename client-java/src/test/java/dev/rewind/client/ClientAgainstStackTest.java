package dev.rewind.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.token.ReadToken;
import dev.rewind.protocol.token.ReadTokenSigner;
import dev.rewind.sim.SimulatedCompletion;
import dev.rewind.standalone.Standalone;
import dev.rewind.standalone.StandaloneConfig;
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
import java.util.concurrent.atomic.AtomicInteger;
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
 * and an expired token.
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
        int[] ports = freePorts(4);
        brokerPort = ports[2];
        // the edge signs with the test key, so that a second edge (below) verifies its tokens
        stack = Standalone.start(ConfigLoader.load(StandaloneConfig.class, ConfigLoader.parseYaml("""
                data_dir: "%s"
                demo: false
                http: {host: 127.0.0.1, port: %d}
                sim: {host: 127.0.0.1, port: %d, tokens_per_second: 40, first_token_delay_ms: 50}
                broker: {host: 127.0.0.1, port: %d, controller_port: %d}
                edge:
                  auth: {signing_keys: {k1: "%s"}, active_signing_key: k1}
                  sse: {heartbeat_ms: 1000}
                ingest: {retry: {initial_backoff_ms: 50}}
                """.formatted(dataDir, ports[0], ports[1], ports[2], ports[3], EdgeTestConfig.SIGNING_KEY)),
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
                RewindClient client = throughProxy(proxy, null)) {
            proxy.cutAfterRandomBytes(minBytes, maxBytes);
            List<SessionEvent> events = readAll(client, session);
            assertExactlyOnceInOrder(events, seed);
            check.check(new CutRun(events, transcriptOf(events), generatedFor(model, seededPrompt), proxy, client, seed), session);
        }
    }

    @Test
    void anExpiredTokenIsRenewedAndTheSubscriptionResumesWithoutLossOrDuplicate() throws Exception {
        // a second edge whose clock the test moves past the token's expiry (the shortest TTL is a minute)
        ShiftedClock clock = new ShiftedClock();
        EdgeConfig config = EdgeTestConfig.forBroker("127.0.0.1:" + brokerPort, 3);
        try (EdgeServer expiringEdge = EdgeServer.start(config, clock)) {
            String prompt = "Expire my token halfway, please.";
            String model = "sim-small@length=40";
            Session session = create(model, prompt);
            ReadTokens minter = new ReadTokens(config.auth(), clock);
            AtomicInteger renewals = new AtomicInteger();
            TokenRenewer renewer = (sessionId, current) -> {
                renewals.incrementAndGet();
                return new TokenRenewer.RenewedToken(minter.issue(sessionId, createdAtOf(current)), null);
            };
            List<SessionEvent> events = new CopyOnWriteArrayList<>();
            List<String> reconnects = new CopyOnWriteArrayList<>();
            try (ChaosProxy proxy = new ChaosProxy(expiringEdge.port(), 1);
                    RewindClient client = throughProxy(proxy, renewer);
                    Subscription subscription = client.subscribe(session, new SessionListener() {
                        @Override
                        public void onEvent(SessionEvent event) {
                            events.add(event);
                        }

                        @Override
                        public void onReconnect(int attempt, Duration delay, String reason) {
                            reconnects.add(reason);
                        }
                    })) {
                await().atMost(Duration.ofSeconds(60)).until(() -> events.size() >= 5);
                clock.shift(Duration.ofHours(25)); // past the 24 h token lifetime
                proxy.cutAll();
                assertThat(subscription.await(Duration.ofSeconds(60))).isTrue();
            }
            assertThat(renewals.get()).as("the 401 after the cut was answered by one renewal").isEqualTo(1);
            assertThat(reconnects).isNotEmpty();
            assertExactlyOnceInOrder(events, 1);
            assertThat(transcriptOf(events).text()).isEqualTo(generatedFor(model, prompt).text());
        }
    }

    @Test
    void theEdgeServesTheBrowserClient() throws Exception {
        HttpResponse<String> script = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + "/rewind-client.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElse("")).contains("javascript");
        assertThat(script.body()).contains("export function subscribe(").contains("export function reduce(");
    }

    private static RewindClient throughProxy(ChaosProxy proxy, TokenRenewer renewer) {
        RewindClient.Builder builder = RewindClient.builder(proxy.uri()).backoff(QUICK).maxFailures(50)
                .idleTimeout(Duration.ofSeconds(10));
        if (renewer != null) {
            builder.tokenRenewer(renewer);
        }
        return builder.build();
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

    /** The created_at a read token carries (its signature checked, its expiry not: it may be long past). */
    private static Instant createdAtOf(String token) {
        ReadTokenSigner signer = new ReadTokenSigner(Map.of("k1", Base64.getDecoder().decode(EdgeTestConfig.SIGNING_KEY)), "k1");
        try {
            ReadToken read = signer.verify(token, Instant.EPOCH);
            return read.createdAt();
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
