package dev.rewind.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The training run of the JVM's ahead-of-time cache (JDK 25+, {@code -XX:AOTCacheOutput}), which
 * {@code bin/run} makes once per build: the whole stack on free loopback ports in a temporary
 * directory, driven through its real paths — sessions created over HTTP, streamed over SSE, half of
 * them cut and resumed with {@code Last-Event-ID} — then stopped. The JVM writes the cache at exit:
 * the classes this run loaded and linked, and the method profiles it gathered, so the next start
 * loads fewer classes and compiles its hot code sooner (docs/benchmarks.md has the measurement).
 */
public final class AotTraining {

    private static final int SESSIONS = 300;
    private static final int CONCURRENT = 60;
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TRAINING_DEADLINE = Duration.ofMinutes(3);

    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        int completed = run(SESSIONS);
        System.out.printf("AOT training: %d of %d sessions streamed in %.1f s%n", completed, SESSIONS,
                (System.nanoTime() - started) / 1e9);
        // the stack's threads are closed; exit explicitly so the JVM writes its cache now
        System.exit(completed > 0 ? 0 : 1);
    }

    /** Starts a stack in a temporary directory, streams {@code sessions} sessions through it, stops it; how many completed. */
    static int run(int sessions) throws Exception {
        Path dataDir = Files.createTempDirectory("rewind-aot-training");
        int[] ports = Ports.freeLoopbackPorts(6);
        StandaloneConfig config = StandaloneConfig.onLoopback(dataDir, ports, "tokens_per_second: 50, first_token_delay_ms: 20",
                "edge: {rate_limit: {sessions_per_period: 100000, period_ms: 1000}}");
        try (Standalone stack = Standalone.start(config)) {
            return drive("http://127.0.0.1:" + stack.httpPort(), stack.demoApiKey(), sessions);
        } finally {
            deleteTree(dataDir);
        }
    }

    private static int drive(String base, String apiKey, int count) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        AtomicInteger completed = new AtomicInteger();
        try (ExecutorService sessions = Executors.newFixedThreadPool(CONCURRENT, Thread.ofVirtual().factory())) {
            Future<?>[] runs = new Future<?>[count];
            for (int i = 0; i < count; i++) {
                boolean cut = i % 2 == 0;
                runs[i] = sessions.submit(() -> {
                    if (session(http, base, apiKey, cut)) {
                        completed.incrementAndGet();
                    }
                    return null;
                });
            }
            long deadline = System.nanoTime() + TRAINING_DEADLINE.toNanos();
            for (Future<?> run : runs) {
                try {
                    run.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // a failed session only makes the training shorter: the cache is still valid
                } catch (java.util.concurrent.TimeoutException e) {
                    run.cancel(true); // a stalled stream never holds bin/run up for longer than the deadline
                }
            }
        }
        return completed.get();
    }

    /** One session: created, streamed to its terminal event, cut once after a few events and resumed when {@code cut}. */
    private static boolean session(HttpClient http, String base, String apiKey, boolean cut)
            throws IOException, InterruptedException {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .timeout(SESSION_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"upstream": "sim", "model": "sim-small@length=60", "messages": [{"role": "user", "content": "train"}]}"""))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) {
            return false;
        }
        JsonNode session = Json.MAPPER.readTree(created.body());
        String lastId = null;
        for (int connection = 0; connection < 3; connection++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + session.get("events_url").asText()))
                    .header("Authorization", "Bearer " + session.get("token").asText()).timeout(SESSION_TIMEOUT);
            if (lastId != null) {
                request.header("Last-Event-ID", lastId);
            }
            HttpResponse<java.io.InputStream> stream = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (stream.statusCode() == 204) {
                return true;
            }
            int events = 0;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("id: ")) {
                        lastId = line.substring(4);
                        events++;
                    } else if (line.startsWith("event: done") || line.startsWith("event: error")) {
                        return true;
                    }
                    if (cut && connection == 0 && events == 10) {
                        break; // the client drops the connection; the next one resumes after lastId
                    }
                }
            }
        }
        return false;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the training directory " + dir, e);
        }
    }
}
