package dev.rewind.bench.load;

import dev.rewind.bench.ingest.IngestOverheadBenchmark;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.ingest.IngestConfig;
import dev.rewind.ingest.IngestService;
import dev.rewind.kafkatest.EmbeddedTestBroker;
import dev.rewind.processor.ProcessorConfig;
import dev.rewind.processor.StreamProcessor;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole Rewind path in this process, wired as standalone wires it (broker, processor, ingest,
 * edge) but on free ports and a temporary directory, against a simulator the generator owns: so the
 * generator's clients measure the same stack a laptop runs, and the direct baseline shares the simulator.
 */
final class RewindStack implements AutoCloseable {

    static final String API_KEY = "rewind-load-generator-key";
    private static final String SIGNING_KEY = Base64.getEncoder()
            .encodeToString("rewind-load-generator-signing-key-0123".getBytes(StandardCharsets.US_ASCII));

    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private final EdgeServer edge;
    private final String bootstrap;

    RewindStack(LlmSimulator sim, LoadOptions options) throws Exception {
        try {
            Path dir = Files.createTempDirectory("rewind-load");
            running.push(() -> deleteTree(dir)); // closed last: the processor's state and the edge's store live here
            EmbeddedTestBroker broker = EmbeddedTestBroker.start();
            running.push(broker);
            bootstrap = broker.bootstrapServers();
            IngestOverheadBenchmark.provision(broker, options.partitions());
            String kafka = "kafka: {bootstrap_servers: \"%s\"}\ntopics: {partitions: %d}\n".formatted(bootstrap, options.partitions());
            running.push(StreamProcessor.start(load(ProcessorConfig.class, kafka + """
                    application_id: rewind-load-processor
                    ops: {host: 127.0.0.1, port: 0}
                    state_dir: "%s"
                    commit_interval_ms: %d
                    """.formatted(dir.resolve("streams"), options.commitIntervalMs()), "stream-processor-defaults.yaml")));
            running.push(IngestService.start(load(IngestConfig.class, kafka + """
                    group_id: rewind-load-ingest
                    ops: {host: 127.0.0.1, port: 0}
                    max_concurrent_streams: %d
                    upstreams:
                      sim: {format: openai-chat, base_url: "%s/v1"}
                    """.formatted(options.sessions() + 16, sim.baseUrl()), "ingest-defaults.yaml"), Map.of()));
            edge = EdgeServer.start(load(EdgeConfig.class, kafka + """
                    http: {host: 127.0.0.1, port: 0}
                    auth:
                      api_keys: [{id: load, sha256: "%s"}]
                      signing_keys: {load: "%s"}
                      active_signing_key: load
                    store: {dir: "%s"}
                    rate_limit: {sessions_per_period: 1000000, period_ms: 1000}
                    """.formatted(ApiKeys.digestOf(API_KEY), SIGNING_KEY, dir.resolve("edge-store")), "edge-defaults.yaml"),
                    Clock.systemUTC());
            running.push(edge);
            awaitReady(edge.port());
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    int port() {
        return edge.port();
    }

    String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void close() {
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                System.err.println("closing a component failed: " + e);
            }
        }
    }

    /** Sessions start only once the edge is ready (hub caught up, store loaded), so the warm-up is not spent starting. */
    private static void awaitReady(int port) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the edge was not ready within 120 s");
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static <T> T load(Class<T> type, String yaml, String defaults) {
        return ConfigLoader.load(type, ConfigLoader.parseYaml(yaml), Map.of(), ConfigLoader.KAFKA_DEFAULTS, defaults);
    }
}
