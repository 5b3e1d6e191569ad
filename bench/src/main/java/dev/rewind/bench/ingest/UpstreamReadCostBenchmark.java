package dev.rewind.bench.ingest;

import dev.rewind.ingest.upstream.UpstreamClient;
import dev.rewind.sim.LlmSimulator;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU one upstream read costs through an HTTP client, at many concurrent streams: llm-sim
 * streams {@code streams} Chat Completions answers at 20 tokens/s (one read per token), each read
 * on a virtual thread through {@code sendAsync} + {@code ofInputStream} as ingest's sessions read,
 * and the process's CPU time over the measured window is divided by the reads. {@code client=ingest}
 * is ingest's client ({@link UpstreamClient}); {@code client=jdk-default} the same client with the
 * JDK's default executor (ingest's client before it). The simulator shares the process, so the
 * figure includes its side of every read: compare the clients with each other, run back to back.
 * Thread-group shares (platform threads; virtual threads count in their carriers) are printed too.
 *
 * <pre>java -cp 'bench/target/rewind-bench.jar:bench/target/libs/*' dev.rewind.bench.ingest.UpstreamReadCostBenchmark \
 *     --client=ingest --streams=500 --warmup-s=20 --measure-s=20</pre>
 */
public final class UpstreamReadCostBenchmark {

    private UpstreamReadCostBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = IngestOverheadBenchmark.options(args);
        String client = options.getOrDefault("client", "ingest");
        int streams = Integer.parseInt(options.getOrDefault("streams", "500"));
        int warmupS = Integer.parseInt(options.getOrDefault("warmup-s", "20"));
        int measureS = Integer.parseInt(options.getOrDefault("measure-s", "20"));
        int tokens = 20 * (warmupS + measureS + 30); // every stream outlasts the run
        AtomicLong reads = new AtomicLong();
        try (LlmSimulator sim = LlmSimulator.start(IngestOverheadBenchmark.simConfig());
                HttpClient http = client(client);
                ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor()) {
            URI uri = URI.create(sim.baseUrl() + "/v1/chat/completions");
            for (int i = 0; i < streams; i++) {
                sessions.execute(() -> read(http, uri, tokens, reads));
            }
            TimeUnit.SECONDS.sleep(warmupS); // connections open, JIT settles
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            Map<String, Long> threadsBefore = cpuByThreadGroup(threads);
            long cpuBefore = os.getProcessCpuTime();
            long readsBefore = reads.get();
            TimeUnit.SECONDS.sleep(measureS);
            long n = reads.get() - readsBefore;
            long cpu = os.getProcessCpuTime() - cpuBefore;
            System.out.printf("client %s: %d streams, %,d reads in %d s, process CPU %.1f us per read; load %s%n", client,
                    streams, n, measureS, cpu / 1e3 / Math.max(1, n), IngestOverheadBenchmark.loadAverage());
            Map<String, Long> threadsAfter = cpuByThreadGroup(threads);
            threadsAfter.forEach((group, nanos) -> {
                double perRead = (nanos - threadsBefore.getOrDefault(group, 0L)) / 1e3 / Math.max(1, n);
                if (perRead >= 0.5) {
                    System.out.printf("  %-36s %5.1f us per read%n", group, perRead);
                }
            });
        }
        System.exit(0); // the streams outlast the report
    }

    private static HttpClient client(String name) {
        return switch (name) {
            case "ingest" -> UpstreamClient.create(Duration.ofSeconds(5));
            case "jdk-default" -> HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
            default -> throw new IllegalArgumentException("--client is ingest or jdk-default, was " + name);
        };
    }

    private static void read(HttpClient http, URI uri, int tokens, AtomicLong reads) {
        HttpRequest request = HttpRequest.newBuilder(uri).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model": "sim-small@length=%d,tps=20", "stream": true,
                         "messages": [{"role": "user", "content": "bench"}]}""".formatted(tokens)))
                .build();
        try {
            HttpResponse<InputStream> response = http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).get();
            byte[] buffer = new byte[8192];
            try (InputStream in = response.body()) {
                while (in.read(buffer) >= 0) {
                    reads.incrementAndGet();
                }
            }
        } catch (Exception e) {
            System.err.println("a stream failed: " + e);
        }
    }

    /** CPU time of the live platform threads, by name with the digits taken out (a pool's threads together). */
    private static Map<String, Long> cpuByThreadGroup(ThreadMXBean threads) {
        Map<String, Long> groups = new TreeMap<>();
        for (long id : threads.getAllThreadIds()) {
            var info = threads.getThreadInfo(id);
            long nanos = threads.getThreadCpuTime(id);
            if (info != null && nanos > 0) {
                groups.merge(info.getThreadName().replaceAll("[0-9]+", "N"), nanos, Long::sum);
            }
        }
        return groups;
    }
}
