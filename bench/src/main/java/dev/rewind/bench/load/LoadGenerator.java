package dev.rewind.bench.load;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * The end-to-end load generator: N concurrent sessions (each replaced by a new one when it ends)
 * of T tokens at R tokens/s, M subscribers each with K random disconnects and resumes, a fault mix
 * in the simulator; latency from the simulator's emit time (carried in the token text) to the
 * client's read, through Rewind ({@code --mode=rewind}), through a proxy without Kafka
 * ({@code --mode=direct}), or both in one run, one after the other, with the difference.
 */
public final class LoadGenerator {

    /** Helidon logs every simulated upstream drop with its stack trace; kept here so the setting is not collected. */
    private static final java.util.logging.Logger HELIDON_LOG = java.util.logging.Logger.getLogger("io.helidon");

    private LoadGenerator() {}

    /** What one mode measured. */
    record Result(String mode, Histogram latency, Histogram resume, Histogram ingestRead, Histogram chunkVisible,
            Histogram tokenCommitted, String hubDelay, double tokensPerSecond, long exact, long failed,
            long plannedDisconnects, long unplannedDisconnects, long refusals, long faults, long failures, double cores, long heapMaxMb,
            String load) {}

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("load generator: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.printf("load: mode %s, %d sessions x %d tokens/s, %d tokens each, %d subscriber(s) x %d disconnect(s),"
                + " faults %.0f %%, warm-up %ds, measure %ds, commit.interval.ms %d, %d cores, max heap %d MB, load %s%n",
                options.mode(), options.sessions(), options.tokensPerSecond(), options.tokens(), options.subscribers(),
                options.disconnects(), options.faultRate() * 100, options.warmup().toSeconds(), options.duration().toSeconds(),
                options.commitIntervalMs(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                JvmUsage.loadAverage());
        HELIDON_LOG.setLevel(java.util.logging.Level.SEVERE);
        List<Result> results = new ArrayList<>();
        try (LlmSimulator sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, first_token_delay_ms: 0}"), Map.of(), "llm-sim-defaults.yaml"))) {
            if (!options.mode().equals("rewind")) {
                try (DirectProxy direct = new DirectProxy(sim.baseUrl(), options.sessions() * 10 + 100)) {
                    LoadStats stats = new LoadStats();
                    results.add(run("direct", new SessionClient.Target("direct", direct.port(), null), options, stats, false,
                            phase -> "n/a"));
                }
            }
            if (!options.mode().equals("direct")) {
                try (RewindStack stack = new RewindStack(sim, options)) {
                    LoadStats stats = new LoadStats();
                    HubDelay hub = new HubDelay(stack.port());
                    try (HopTap tap = new HopTap(stack.bootstrapServers(), stats, options.hopSample())) {
                        results.add(run("rewind", new SessionClient.Target("rewind", stack.port(), RewindStack.API_KEY), options,
                                stats, true, hub::mark));
                    }
                }
            }
        }
        report(results);
        System.exit(results.stream().allMatch(r -> r.failed() == 0 && r.failures() == 0) ? 0 : 1);
    }

    /**
     * One mode: session slots ramp up, each running sessions back to back until the end; after the
     * warm-up the stats count; a line per report interval (also the soak's record of heap,
     * connections and errors over time).
     */
    private static Result run(String mode, SessionClient.Target target, LoadOptions options, LoadStats stats, boolean faults,
            Function<String, String> hubDelay) throws InterruptedException {
        SessionClient client = new SessionClient(target, options, stats);
        long start = System.nanoTime();
        long end = start + options.warmup().toNanos() + options.duration().toNanos();
        AtomicLong numbers = new AtomicLong();
        List<Thread> slots = new ArrayList<>();
        for (int i = 0; i < options.sessions(); i++) {
            long delay = options.ramp().toNanos() * i / options.sessions();
            slots.add(Thread.ofVirtual().name(mode + "-slot-" + i).start(() -> {
                try {
                    TimeUnit.NANOSECONDS.sleep(delay); // the ramp: sessions start spread out, so their tokens interleave
                    while (System.nanoTime() < end) {
                        client.run(numbers.incrementAndGet(), faults);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        TimeUnit.NANOSECONDS.sleep(options.warmup().toNanos());
        System.out.printf("[%s] warm-up over: %d sessions so far, %d connections open, load %s%n", mode, numbers.get(),
                stats.connections.get(), JvmUsage.loadAverage());
        stats.startMeasuring();
        hubDelay.apply("start");
        JvmUsage began = JvmUsage.now();
        JvmUsage last = began;
        long heapMax = 0;
        while (System.nanoTime() < end) {
            long wait = Math.min(options.report().toNanos(), end - System.nanoTime());
            TimeUnit.NANOSECONDS.sleep(Math.max(0, wait));
            JvmUsage now = JvmUsage.now();
            Histogram interval = stats.latency.interval();
            long heap = JvmUsage.heapUsedMb();
            heapMax = Math.max(heapMax, heap);
            System.out.printf("[%s] %4ds: %,.0f tokens/s, emit->client p50 %.1f ms p99 %.1f ms max %.1f ms, %d connections,"
                    + " sessions exact %d failed %d, failures %d, unplanned disconnects %d, refusals %d, heap %d MB (after GC %d MB),"
                    + " cpu %.2f cores, GC %d ms, load %s%n", mode, TimeUnit.NANOSECONDS.toSeconds(now.wallNanos() - began.wallNanos()),
                    interval.getTotalCount() / ((now.wallNanos() - last.wallNanos()) / 1e9), ms(interval, 50), ms(interval, 99),
                    interval.getMaxValue() / 1000.0, stats.connections.get(), stats.sessionsExact.sum(), stats.sessionsFailed.sum(),
                    stats.failureCount(), stats.unplannedDisconnects.sum(), stats.refusals.sum(), heap, JvmUsage.heapAfterGcMb(),
                    now.coresSince(last), now.gcMillis() - last.gcMillis(), JvmUsage.loadAverage());
            last = now;
        }
        stats.measuring.set(false);
        JvmUsage finished = JvmUsage.now();
        String hub = hubDelay.apply("end");
        double seconds = (finished.wallNanos() - began.wallNanos()) / 1e9;
        long tokens = stats.tokens.sum();
        // the sessions in flight at the end still run to their end and are verified
        long drainMs = 60_000 + 1000L * options.tokens() / options.tokensPerSecond() * (options.disconnects() + 2);
        long drainEnd = System.currentTimeMillis() + drainMs;
        for (Thread slot : slots) {
            slot.join(Math.max(1, drainEnd - System.currentTimeMillis()));
        }
        long hung = slots.stream().filter(Thread::isAlive).count();
        if (hung > 0) {
            stats.fail(mode + ": " + hung + " sessions still running " + drainMs + " ms after the end");
        }
        stats.failures().forEach(failure -> System.out.println("[" + mode + "] failure: " + failure));
        stats.failureKinds().forEach((kind, count) -> System.out.printf("[%s] failures of kind '%s': %d%n", mode, kind, count));
        System.out.printf("[%s] done: %d connections still open, heap after GC %d MB, load %s%n", mode, stats.connections.get(),
                JvmUsage.heapAfterGcMb(), JvmUsage.loadAverage());
        return new Result(mode, stats.latency.total(), stats.resume.total(), stats.ingestRead.total(), stats.chunkVisible.total(),
                stats.tokenCommitted.total(), hub, tokens / seconds, stats.sessionsExact.sum(), stats.sessionsFailed.sum() + hung,
                stats.plannedDisconnects.sum(), stats.unplannedDisconnects.sum(), stats.refusals.sum(), stats.upstreamFaults.sum(), stats.failureCount(),
                finished.coresSince(began), heapMax, JvmUsage.loadAverage());
    }

    private static void report(List<Result> results) {
        System.out.println();
        StringBuilder header = new StringBuilder("| figure |");
        StringBuilder rule = new StringBuilder("|---|");
        results.forEach(r -> {
            header.append(' ').append(r.mode()).append(" |");
            rule.append("---|");
        });
        boolean both = results.size() == 2;
        if (both) {
            header.append(" rewind - direct |");
            rule.append("---|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (double p : new double[] {50, 90, 99, 99.9}) {
            row(results, "emit->client p" + trim(p) + " ms", r -> ms(r.latency(), p), both);
        }
        row(results, "emit->client max ms", r -> r.latency().getMaxValue() / 1000.0, both);
        row(results, "tokens measured", r -> (double) r.latency().getTotalCount(), false);
        row(results, "token events/s delivered (all subscribers)", Result::tokensPerSecond, false);
        row(results, "resume (request -> first event) p50 ms", r -> ms(r.resume(), 50), both);
        row(results, "resume p99 ms", r -> ms(r.resume(), 99), both);
        for (Result r : results) {
            if (r.ingestRead().getTotalCount() > 0) {
                System.out.printf("| hops (%s, sampled): emit->ingest read p50/p99 ms | %.2f / %.2f |%n", r.mode(),
                        ms(r.ingestRead(), 50), ms(r.ingestRead(), 99));
                System.out.printf("| hops (%s): emit->chunk acked and visible p50/p99 ms | %.2f / %.2f |%n", r.mode(),
                        ms(r.chunkVisible(), 50), ms(r.chunkVisible(), 99));
                System.out.printf("| hops (%s): emit->token committed (read_committed) p50/p99 ms | %.2f / %.2f |%n", r.mode(),
                        ms(r.tokenCommitted(), 50), ms(r.tokenCommitted(), 99));
                System.out.printf("| hops (%s): edge hub, token record time->dispatch | %s |%n", r.mode(), r.hubDelay());
                System.out.printf("| hops (%s): emit->bytes read by the client p50/p99 ms | %.2f / %.2f |%n", r.mode(),
                        ms(r.latency(), 50), ms(r.latency(), 99));
            }
        }
        row(results, "sessions exact", r -> (double) r.exact(), false);
        row(results, "sessions failed", r -> (double) r.failed(), false);
        row(results, "planned disconnects (resumed)", r -> (double) r.plannedDisconnects(), false);
        row(results, "unplanned disconnects", r -> (double) r.unplannedDisconnects(), false);
        row(results, "GET events refused (503/429), retried after a pause", r -> (double) r.refusals(), false);
        row(results, "sessions with an upstream fault", r -> (double) r.faults(), false);
        row(results, "failures", r -> (double) r.failures(), false);
        row(results, "JVM cpu cores (everything in this process)", Result::cores, false);
        row(results, "heap max MB", r -> (double) r.heapMaxMb(), false);
        System.out.print("| load average at the end |");
        results.forEach(r -> System.out.print(" " + r.load() + " |"));
        System.out.println(both ? " |" : "");
        if (results.stream().anyMatch(r -> Double.parseDouble(r.load().split(" ")[0] + "0") > 2)) {
            System.out.println("load average above 2: not representative, re-run on an idle box");
        }
    }

    private static void row(List<Result> results, String name, Function<Result, Double> value, boolean difference) {
        StringBuilder line = new StringBuilder("| ").append(name).append(" |");
        results.forEach(r -> line.append(String.format(" %,.2f |", value.apply(r))));
        if (results.size() == 2) {
            line.append(difference ? String.format(" %+.2f |", value.apply(results.get(1)) - value.apply(results.get(0))) : " |");
        }
        System.out.println(line);
    }

    private static String trim(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /**
     * The edge's own hop, from its {@code /metrics}: {@code rewind_edge_hub_delay_seconds} (token
     * record timestamp, i.e. the ingest read, to the hub's dispatch) as a mean and max over the measured window.
     */
    private static final class HubDelay {
        private final HttpClient http = HttpClient.newHttpClient();
        private final URI metrics;
        private double count;
        private double sum;

        HubDelay(int port) {
            metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
        }

        String mark(String phase) {
            try {
                String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                double c = value(body, "rewind_edge_hub_delay_seconds_count");
                double s = value(body, "rewind_edge_hub_delay_seconds_sum");
                double max = value(body, "rewind_edge_hub_delay_seconds_max");
                String result = phase.equals("start") ? "" : String.format("mean %.2f ms over %,.0f events, max (recent) %.1f ms",
                        (s - sum) / Math.max(1, c - count) * 1000, c - count, max * 1000);
                count = c;
                sum = s;
                return result;
            } catch (Exception e) {
                return "unavailable (" + e.getMessage() + ")";
            }
        }

        private static double value(String metrics, String name) {
            for (String line : metrics.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return Double.NaN;
        }
    }
}
