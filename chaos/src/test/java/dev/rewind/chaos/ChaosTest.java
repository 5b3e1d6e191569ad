package dev.rewind.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.chaos.ResumingClient.Received;
import dev.rewind.edge.EdgeMain;
import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.ingest.IngestMain;
import dev.rewind.processor.ProcessorMain;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import dev.rewind.sim.SimulatedCompletion;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline under chaos: three brokers with a separate controller (RF 3, min.insync 2),
 * two ingest workers, two processors and two edges, each service its own JVM. Hundreds of sessions
 * are streamed by clients that drop their connections and resume with {@code Last-Event-ID} on
 * either edge, while a seeded schedule kills one of each service with SIGKILL (and starts it again),
 * freezes the other ingest worker and the other processor with SIGSTOP past their session timeouts
 * (and wakes them with SIGCONT), and stops one broker for a while. Every client's events must be seq 1..n without a gap or a
 * duplicate, end with exactly one terminal, and carry the simulator's planned transcript; the token
 * topic must hold exactly that, once. {@code -Dchaos.seed=} replays a schedule,
 * {@code -Dchaos.sessions=} sets the scale (default 200).
 */
class ChaosTest {

    private static final int PARTITIONS = 6;
    private static final String API_KEY = "chaos-api-key-0123456789";
    private static final String SIGNING_KEY = Base64.getEncoder().encodeToString("chaos-signing-key-0123456789abcdef".getBytes());
    private static final Duration SPREAD = Duration.ofSeconds(45);
    /** Past the 10 s session timeouts of ingest and the processor, so that a frozen one wakes up presumed dead. */
    private static final long FROZEN_MIN_MS = 12_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A chaos action as it happened: what, and when (System.nanoTime) it took effect. */
    private record Action(String what, long atNanos, java.time.Instant at) {
        Action(String what) {
            this(what, System.nanoTime(), java.time.Instant.now());
        }
    }

    private final List<Action> actions = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> edgePorts = new ConcurrentHashMap<>();
    /** Processes stopped by a freeze: woken before the services close, should the test end while one sleeps. */
    private final List<Process> frozen = new CopyOnWriteArrayList<>();

    @Test
    void everyClientGetsTheSimulatorsTranscriptExactlyOnceThroughKillsFreezesAndABrokerStop() throws Exception {
        String seedProperty = System.getProperty("chaos.seed", "");
        long seed = seedProperty.isBlank() ? System.nanoTime() : Long.parseLong(seedProperty);
        int sessionCount = Integer.getInteger("chaos.sessions", 200);
        System.out.printf("chaos seed %d (replay with -Dchaos.seed=%d), %d sessions%n", seed, seed, sessionCount);
        Random random = new Random(seed);
        Path work = Path.of("target", "chaos", Long.toString(seed)).toAbsolutePath();
        if (Files.exists(work)) {
            // a replay of a seed starts clean: state and stores left by an earlier run belong to an earlier cluster
            try (var stale = Files.walk(work)) {
                stale.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
            }
        }
        Files.createDirectories(work);

        List<ServiceProcess> services = new ArrayList<>();
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
        try (ReplicatedCluster cluster = ReplicatedCluster.start();
                LlmSimulator sim = LlmSimulator.start(new SimConfig("127.0.0.1", 0, 20, 100, null, 1 << 20));
                AutoCloseable stopServices = () -> stop(scheduler, services)) {
            long clusterUp = System.nanoTime();
            String bootstrap = cluster.bootstrapServers();
            TopicSettings topics = new TopicSettings(PARTITIONS, (short) 3, 2, "lz4", 1 << 20,
                    3_600_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000);
            // right after the cluster starts, creating topics can briefly fail while metadata spreads
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> TopicProvisioner.ensure(cluster.admin(), topics) != null);

            String shared = """
                    kafka: {bootstrap_servers: "%s"}
                    topics: {partitions: %d, replication_factor: 3, min_insync_replicas: 2}
                    """.formatted(bootstrap, PARTITIONS);
            for (int i = 0; i < 2; i++) {
                services.add(service(work, "ingest-" + i, IngestMain.class, shared + """
                        group_id: chaos-ingest
                        ops: {host: 127.0.0.1, port: 0}
                        stall_timeout_ms: 10000
                        retry: {max_attempts: 8, initial_backoff_ms: 200, max_backoff_ms: 2000}
                        upstreams: {sim: {format: openai-chat, base_url: "%s/v1"}}
                        """.formatted(sim.baseUrl())));
                services.add(service(work, "processor-" + i, ProcessorMain.class, shared + """
                        application_id: chaos-processor
                        ops: {host: 127.0.0.1, port: 0}
                        group_instance_id: chaos-processor-%d
                        state_dir: "%s"
                        transaction_timeout_ms: 10000
                        session_timeout_ms: 10000
                        """.formatted(i, work.resolve("processor-state-" + i))));
                services.add(service(work, "edge-" + i, EdgeMain.class, shared + """
                        http: {host: 127.0.0.1, port: 0}
                        auth:
                          api_keys: [{id: chaos-owner, sha256: %s}]
                          signing_keys: {k1: "%s"}
                          active_signing_key: k1
                        sse: {heartbeat_ms: 1000, poll_ms: 50, retry_ms: 500, retry_jitter_ms: 200}
                        replay: {readers: 16}
                        rate_limit: {sessions_per_period: 100000, period_ms: 1000}
                        store: {dir: "%s"}
                        shutdown: {drain_ms: 1000}
                        """.formatted(ApiKeys.digestOf(API_KEY), SIGNING_KEY, work.resolve("edge-store-" + i))));
            }
            services.forEach(ServiceProcess::start);
            List<ServiceProcess> edges = services.stream().filter(s -> s.name().startsWith("edge")).toList();
            for (ServiceProcess edge : edges) {
                awaitEdgeReady(edge);
            }
            System.out.printf("cluster and six services ready %d ms after the cluster started%n",
                    (System.nanoTime() - clusterUp) / 1_000_000);

            List<ResumingClient> clients = new ArrayList<>();
            for (int i = 0; i < sessionCount; i++) {
                clients.add(new ResumingClient("chaos-" + seed + "-" + i, model(random, i),
                        "Chaos session " + i + " of run " + seed + ": tell me about durable streams.",
                        random.nextLong(), HTTP, this::edgeUrls, API_KEY));
            }
            long start = System.nanoTime();
            TopicRate chunkRate = new TopicRate(bootstrap, Topics.CHUNKS, "read_uncommitted", start);
            TopicRate tokenRate = new TopicRate(bootstrap, Topics.TOKENS, "read_committed", start);
            long deadline = start + SPREAD.toNanos() + TimeUnit.SECONDS.toNanos(150);
            for (ResumingClient client : clients) {
                long delay = (long) (random.nextDouble() * SPREAD.toMillis());
                scheduler.schedule(() -> Thread.ofVirtual().start(() -> client.run(deadline)), delay, TimeUnit.MILLISECONDS);
            }
            scheduler.scheduleAtFixedRate(() -> clients.forEach(c -> c.cutIfSilent(System.nanoTime())), 1, 1, TimeUnit.SECONDS);
            scheduleChaos(random, scheduler, cluster, services);

            try {
                await().atMost(Duration.ofNanos(deadline - System.nanoTime() + TimeUnit.SECONDS.toNanos(10)))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> clients.stream().allMatch(ResumingClient::finished));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // the post-mortem of the sessions that did not finish, before the cluster and its logs go
                writeSessions(work.resolve("sessions.txt"), clients, start);
                clients.stream().filter(c -> !c.finished()).forEach(c -> System.out.printf(
                        "unfinished: %s (%s) %d events, last %s, connections %d, notes %s%n", c.sessionId(), c.key(),
                        c.received().size(), c.received().isEmpty() ? "none" : c.received().getLast().type() + " "
                                + c.received().getLast().seq(), c.connections(), c.notes()));
                throw e;
            }
            System.out.printf("all %d clients finished %d ms after the first was scheduled%n", clients.size(),
                    (System.nanoTime() - start) / 1_000_000);

            chunkRate.close();
            tokenRate.close();
            report(clients, start);
            System.out.println("chunk records written per 5 s:     " + chunkRate.timeline());
            System.out.println("token events committed per 5 s:    " + tokenRate.timeline());
            System.out.print(tokenRate.timelineByPartition());
            writeSessions(work.resolve("sessions.txt"), clients, start);
            Map<String, List<TokenEvent>> topic = readTokenTopic(bootstrap);
            List<String> problems = new ArrayList<>();
            for (ResumingClient client : clients) {
                problems.addAll(check(client, topic.get(client.sessionId())));
            }
            assertThat(problems).as("sessions that broke an invariant").isEmpty();
            assertThat(clients.stream().mapToInt(ResumingClient::connections).sum()).as("clients resumed")
                    .isGreaterThan(sessionCount * 3 / 2);
            assertThat(actions).extracting(Action::what).as("every kind of chaos happened")
                    .anyMatch(a -> a.startsWith("kill -9 ingest")).anyMatch(a -> a.startsWith("kill -9 processor"))
                    .anyMatch(a -> a.startsWith("kill -9 edge")).anyMatch(a -> a.startsWith("stop broker"))
                    .anyMatch(a -> a.startsWith("SIGCONT ingest")).anyMatch(a -> a.startsWith("SIGCONT processor"));
            assertThat(services).as("no service died by itself").allMatch(ServiceProcess::alive);
        }
    }

    // the services stop before the cluster (closed after this), so they do not log a dying cluster
    private void stop(ScheduledExecutorService scheduler, List<ServiceProcess> services) throws Exception {
        scheduler.shutdownNow();
        for (Process process : frozen) {
            ServiceProcess.thaw(process);
        }
        for (ServiceProcess service : services) {
            service.close();
        }
    }

    /** Mostly plain answers of 30–120 tokens at 10–25 tokens/s; some refused once with 503, some cut mid-stream once. */
    private static String model(Random random, int i) {
        String pace = "tps=" + (10 + random.nextInt(16)) + ",length=" + (30 + random.nextInt(91));
        return switch (i % 20) {
            case 0 -> "sim-small@status=503x1,retry-after=1," + pace;
            case 1 -> "sim-small@disconnect-after=5x1," + pace;
            default -> "sim-small@" + pace;
        };
    }

    /**
     * One kill -9 and restart of each service kind, one broker stop, and a freeze (SIGSTOP, then
     * SIGCONT) of the other ingest worker and the other processor for longer than their 10 s session
     * timeouts — they wake up presumed dead, their partitions given away — at seeded random moments
     * within the spread.
     */
    private void scheduleChaos(Random random, ScheduledExecutorService scheduler, ReplicatedCluster cluster,
            List<ServiceProcess> services) {
        for (String kind : List.of("ingest", "processor", "edge")) {
            List<ServiceProcess> ofKind = services.stream().filter(s -> s.name().startsWith(kind)).toList();
            int victimIndex = random.nextInt(2);
            ServiceProcess victim = ofKind.get(victimIndex);
            if (!kind.equals("edge")) {
                scheduleFreeze(random, scheduler, ofKind.get(1 - victimIndex));
            }
            long at = 8_000 + random.nextInt(30_000);
            long downFor = 1_000 + random.nextInt(4_000);
            scheduler.schedule(() -> {
                edgePorts.remove(victim.name());
                victim.kill();
                actions.add(new Action("kill -9 " + victim.name()));
                System.out.printf("chaos: kill -9 %s; restart in %d ms%n", victim.name(), downFor);
                scheduler.schedule(() -> {
                    victim.start();
                    actions.add(new Action("restart " + victim.name()));
                    if (kind.equals("edge")) {
                        awaitEdgeReady(victim);
                    }
                    return null;
                }, downFor, TimeUnit.MILLISECONDS);
                return null;
            }, at, TimeUnit.MILLISECONDS);
        }
        int broker = cluster.brokerIds().get(random.nextInt(ReplicatedCluster.BROKERS));
        long at = 10_000 + random.nextInt(25_000);
        long downFor = 5_000 + random.nextInt(10_000);
        scheduler.schedule(() -> {
            cluster.stopBroker(broker);
            actions.add(new Action("stop broker " + broker));
            System.out.printf("chaos: stopped broker %d; start again in %d ms%n", broker, downFor);
            scheduler.schedule(() -> {
                try {
                    cluster.startBroker(broker);
                    actions.add(new Action("start broker " + broker));
                    System.out.printf("chaos: started broker %d again%n", broker);
                } catch (RuntimeException e) {
                    System.out.printf("chaos: broker %d could not start again (%s): it stays down%n", broker, e);
                }
            }, downFor, TimeUnit.MILLISECONDS);
            return null;
        }, at, TimeUnit.MILLISECONDS);
    }

    private void scheduleFreeze(Random random, ScheduledExecutorService scheduler, ServiceProcess victim) {
        long at = 10_000 + random.nextInt(25_000);
        long frozenFor = FROZEN_MIN_MS + random.nextInt(3_000);
        scheduler.schedule(() -> {
            Process process = victim.freeze();
            frozen.add(process);
            actions.add(new Action("SIGSTOP " + victim.name()));
            System.out.printf("chaos: SIGSTOP %s; SIGCONT in %d ms%n", victim.name(), frozenFor);
            scheduler.schedule(() -> {
                ServiceProcess.thaw(process);
                frozen.remove(process);
                actions.add(new Action("SIGCONT " + victim.name()));
                System.out.printf("chaos: SIGCONT %s%n", victim.name());
                return null;
            }, frozenFor, TimeUnit.MILLISECONDS);
            return null;
        }, at, TimeUnit.MILLISECONDS);
    }

    private void awaitEdgeReady(ServiceProcess edge) {
        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> edge.printedPort() > 0);
        int port = edge.printedPort();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        edgePorts.put(edge.name(), port);
        System.out.printf("%s ready on port %d, %d ms after its start%n", edge.name(), port,
                (System.nanoTime() - started) / 1_000_000);
    }

    private List<String> edgeUrls() {
        return edgePorts.values().stream().map(p -> "http://127.0.0.1:" + p).toList();
    }

    private static ServiceProcess service(Path work, String name, Class<?> main, String yaml) throws Exception {
        Path config = Files.writeString(work.resolve(name + ".yaml"), yaml);
        return new ServiceProcess(name, main, config, work);
    }

    /** Every invariant of one session, as readable problems (empty when it held). */
    private static List<String> check(ResumingClient client, List<TokenEvent> inTopic) {
        List<String> problems = new ArrayList<>();
        String who = client.sessionId() + " (" + client.model() + ")";
        List<Received> seen = client.received();
        if (client.sessionId() == null) {
            return List.of(client.key() + ": never created " + client.notes());
        }
        List<Long> seqs = seen.stream().map(Received::seq).toList();
        List<Long> expectedSeqs = java.util.stream.LongStream.rangeClosed(1, seen.size()).boxed().toList();
        if (!seqs.equals(expectedSeqs)) {
            problems.add(who + ": seqs not 1..n without gap or duplicate: " + seqs);
        }
        if (seen.stream().anyMatch(e -> e.type().equals("gap"))) {
            problems.add(who + ": a gap event");
        }
        long terminals = seen.stream().filter(Received::terminal).count();
        if (terminals != 1 || !seen.getLast().terminal()) {
            problems.add(who + ": " + terminals + " terminal events, last " + (seen.isEmpty() ? "none" : seen.getLast().type())
                    + "; notes " + client.notes());
            return problems;
        }
        SimulatedCompletion truth = client.groundTruth();
        Received end = seen.getLast();
        if (!end.type().equals("done")) {
            problems.add(who + ": ended with " + end.type() + " " + end.data());
        } else if (!end.data().path("finish_reason").asText().equals(truth.finishReason())) {
            problems.add(who + ": finish_reason " + end.data().path("finish_reason") + ", planned " + truth.finishReason());
        }
        String transcript = transcript(seen);
        if (!transcript.equals(truth.text())) {
            problems.add(who + ": transcript differs from the plan:\n  got  " + transcript + "\n  plan " + truth.text());
        }
        if (inTopic == null) {
            problems.add(who + ": nothing in " + Topics.TOKENS);
        } else {
            if (!inTopic.stream().map(TokenEvent::seq).toList().equals(seqs)) {
                problems.add(who + ": the topic holds seqs " + inTopic.stream().map(TokenEvent::seq).toList());
            }
            if (inTopic.stream().filter(TokenEvent::isTerminal).count() != 1) {
                problems.add(who + ": the topic holds " + inTopic.stream().filter(TokenEvent::isTerminal).count() + " terminals");
            }
        }
        return problems;
    }

    /** The text of the token events after the last reset (DESIGN §4.1). */
    private static String transcript(List<Received> events) {
        StringBuilder text = new StringBuilder();
        for (Received event : events) {
            switch (event.type()) {
                case "reset" -> text.setLength(0);
                case "token" -> text.append(event.data().path("text").asText());
                default -> { }
            }
        }
        return text.toString();
    }

    /** Each session's events as its client received them (type, seq, seconds since the start), for a post-mortem. */
    private static void writeSessions(Path file, List<ResumingClient> clients, long startNanos) throws java.io.IOException {
        StringBuilder out = new StringBuilder();
        for (ResumingClient client : clients) {
            out.append(client.sessionId()).append(' ').append(client.model()).append(" connections=")
                    .append(client.connections()).append(" notes=").append(client.notes()).append('\n');
            for (Received event : client.received()) {
                out.append(String.format("  %s %d %.2f%n", event.type(), event.seq(), (event.atNanos() - startNanos) / 1e9));
            }
        }
        Files.writeString(file, out);
    }

    private static long percentile(List<Long> sorted, int percent) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100));
    }

    /** What rewind.tokens holds per session, read_committed, from the beginning to the current end. */
    private static Map<String, List<TokenEvent>> readTokenTopic(String bootstrap) {
        Map<String, List<TokenEvent>> bySession = new HashMap<>();
        try (KafkaConsumer<String, TokenEvent> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "isolation.level", "read_committed", "enable.auto.commit", false), new StringDeserializer(), Serdes.TOKEN)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TOKENS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, TokenEvent> record : consumer.poll(Duration.ofMillis(200))) {
                    bySession.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
                }
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
            });
        }
        return bySession;
    }

    /**
     * How long each session in progress at a chaos action (started, not ended) waited for its next
     * event: the observed recovery times; and events delivered per five seconds, which shows stalls.
     */
    private void report(List<ResumingClient> clients, long startNanos) {
        int connections = clients.stream().mapToInt(ResumingClient::connections).sum();
        long resets = clients.stream().flatMap(c -> c.received().stream()).filter(e -> e.type().equals("reset")).count();
        System.out.printf("%d connections for %d sessions (%.1f each), %d reset events%n", connections, clients.size(),
                (double) connections / clients.size(), resets);
        for (Action action : actions) {
            List<Long> waits = new ArrayList<>();
            long worst = -1;
            String worstSession = "";
            for (ResumingClient client : clients) {
                List<Received> seen = client.received();
                for (int i = 1; i < seen.size(); i++) {
                    if (seen.get(i - 1).atNanos() <= action.atNanos() && seen.get(i).atNanos() > action.atNanos()) {
                        long wait = (seen.get(i).atNanos() - action.atNanos()) / 1_000_000;
                        waits.add(wait);
                        if (wait > worst) {
                            worst = wait;
                            worstSession = client.sessionId() + " (seq " + seen.get(i).seq() + ")";
                        }
                    }
                }
            }
            waits.sort(null);
            System.out.printf("recovery after '%s' at %s: %d sessions in progress, next event after p50 %d ms, "
                    + "p90 %d ms, max %d ms (%s)%n", action.what(), action.at(), waits.size(), percentile(waits, 50),
                    percentile(waits, 90), percentile(waits, 100), worstSession);
        }
        long[] perFiveSeconds = new long[64];
        for (ResumingClient client : clients) {
            for (Received event : client.received()) {
                int bucket = (int) Math.min(63, Math.max(0, (event.atNanos() - startNanos) / TimeUnit.SECONDS.toNanos(5)));
                perFiveSeconds[bucket]++;
            }
        }
        int last = 63;
        while (last > 0 && perFiveSeconds[last] == 0) {
            last--;
        }
        System.out.println("events received per 5 s since the first session was scheduled: "
                + java.util.Arrays.toString(java.util.Arrays.copyOf(perFiveSeconds, last + 1)));
        for (Action action : actions) {
            System.out.printf("  %s at %.1f s%n", action.what(), (action.atNanos() - startNanos) / 1e9);
        }
        Map<String, Long> notes = clients.stream().flatMap(c -> c.notes().stream())
                .collect(Collectors.groupingBy(n -> n.replaceAll("\\d+", "N"), Collectors.counting()));
        System.out.println("client notes: " + notes);
    }
}
