package dev.rewind.bench.ingest;

import dev.rewind.ingest.IngestConfig;
import dev.rewind.ingest.IngestService;
import dev.rewind.kafkatest.EmbeddedTestBroker;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Ingest's overhead from an upstream read to Kafka's acknowledgement of its chunk record, at many
 * concurrent streams: llm-sim streams {@code streams} answers at {@code chunks-per-second} chunks
 * each, a real {@link IngestService} writes every read to an embedded broker, and the producer's
 * send callbacks feed an HdrHistogram. A load tool, not a JMH benchmark: the quantity is a latency
 * distribution under a sustained load, not the cost of a call. Everything runs in this one JVM
 * (simulator, ingest, broker), so the numbers include their competition for the same cores.
 *
 * <pre>java -cp 'bench/target/rewind-bench.jar:bench/target/libs/*' dev.rewind.bench.ingest.IngestOverheadBenchmark \
 *     --streams=1000 --chunks-per-second=20 --warmup-s=60 --measure-s=60</pre>
 */
public final class IngestOverheadBenchmark {

    private IngestOverheadBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int streams = Integer.parseInt(options.getOrDefault("streams", "1000"));
        int rate = Integer.parseInt(options.getOrDefault("chunks-per-second", "20"));
        int warmupS = Integer.parseInt(options.getOrDefault("warmup-s", "60"));
        int measureS = Integer.parseInt(options.getOrDefault("measure-s", "60"));
        int partitions = Integer.parseInt(options.getOrDefault("partitions", "6"));
        // every stream outlasts the run: the measured window sees all of them streaming
        int tokens = rate * (warmupS + measureS + 30);

        System.out.printf("ingest overhead: %d streams x %d chunks/s for %d s (after %d s warm-up), %d partitions,"
                + " %d cores, load before: %s%n", streams, rate, measureS, warmupS, partitions,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        ReadToAckRecorder recorder = new ReadToAckRecorder();
        try (EmbeddedTestBroker broker = EmbeddedTestBroker.start()) {
            provision(broker, partitions);
            try (LlmSimulator sim = LlmSimulator.start(simConfig());
                    IngestService ingest = IngestService.start(ingestConfig(broker.bootstrapServers(), sim, streams,
                            partitions), Map.of(), recorder::instrument)) {
                startSessions(broker.bootstrapServers(), streams, "sim-small@length=" + tokens + ",tps=" + rate);
                TimeUnit.SECONDS.sleep(warmupS); // the warm-up: connections open, JIT, producer batches settle
                System.out.printf("warm-up over: %d streams in flight%n", ingest.inFlight());
                recorder.startMeasuring();
                Histogram total = new Histogram(3);
                ProcessUsage usage = ProcessUsage.now();
                long began = System.nanoTime();
                for (long elapsed = 0; elapsed < measureS; ) {
                    long step = Math.min(10, measureS - elapsed);
                    TimeUnit.SECONDS.sleep(step);
                    elapsed += step;
                    Histogram interval = recorder.interval();
                    total.add(interval);
                    System.out.printf("  %3d s: %s%n", elapsed, summary(interval, step));
                }
                double seconds = (System.nanoTime() - began) / 1e9;
                recorder.stopMeasuring();
                total.add(recorder.interval());
                System.out.printf("result: %s; %d streams in flight at the end; failed sends %d; %s; load after: %s%n",
                        summary(total, seconds), ingest.inFlight(), recorder.failed(), usage.since(), loadAverage());
            }
        }
        System.exit(0); // the simulator's and the sessions' threads would otherwise outlive the report
    }

    /** A fresh broker may not yet describe the topics it has just created: asked again, a few times (also used by the load generator). */
    public static void provision(EmbeddedTestBroker broker, int partitions) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(partitions));
                return;
            } catch (IllegalStateException e) {
                if (attempt == 20) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(250);
            }
        }
    }

    private static String summary(Histogram h, double seconds) {
        return String.format("%,d chunks (%,.0f/s), read-to-ack p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms,"
                + " max %.2f ms", h.getTotalCount(), h.getTotalCount() / seconds, ms(h, 50), ms(h, 90), ms(h, 99),
                ms(h, 99.9), h.getMaxValue() / 1000.0);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    static SimConfig simConfig() {
        return ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 20, first_token_delay_ms: 0}"), Map.of(),
                "llm-sim-defaults.yaml");
    }

    /** Production defaults, except room for every stream at once and no time limits that the long answers would hit. */
    private static IngestConfig ingestConfig(String bootstrap, LlmSimulator sim, int streams, int partitions) {
        return ConfigLoader.load(IngestConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: %d}
                group_id: ingest-overhead-bench
                ops: {host: 127.0.0.1, port: 0}
                max_concurrent_streams: %d
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """.formatted(bootstrap, partitions, streams + 16, sim.baseUrl())), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml");
    }

    /** The start requests, as the edge writes them; spread over about a second so the streams' chunks interleave. */
    private static void startSessions(String bootstrap, int streams, String model) throws InterruptedException {
        try (KafkaProducer<String, RequestRecord> requests = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "linger.ms", 5), new StringSerializer(), Serdes.REQUEST)) {
            for (int i = 0; i < streams; i++) {
                String id = SessionIds.newId();
                requests.send(new ProducerRecord<>(Topics.REQUESTS, id, new RequestRecord.Start(id, "bench", "sim",
                        ProviderFormat.OPENAI_CHAT, model, List.of(RequestRecord.ChatMessage.text("user", "bench " + i)),
                        Json.MAPPER.createObjectNode(), Instant.now(), null)));
                if (i % 100 == 99) {
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
        }
    }

    /** This JVM's CPU time and GC pauses, to tell the benchmark's own cost from the machine's other load. */
    private record ProcessUsage(long cpuNanos, long gcMillis, long gcCount, long wallNanos) {

        static ProcessUsage now() {
            long gcMillis = 0;
            long gcCount = 0;
            for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                gcMillis += Math.max(0, gc.getCollectionTime());
                gcCount += Math.max(0, gc.getCollectionCount());
            }
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return new ProcessUsage(os.getProcessCpuTime(), gcMillis, gcCount, System.nanoTime());
        }

        String since() {
            ProcessUsage end = now();
            double cores = (end.cpuNanos - cpuNanos) / (double) (end.wallNanos - wallNanos);
            return String.format("this JVM used %.2f cores of %d; GC %d collections, %d ms in total",
                    cores, Runtime.getRuntime().availableProcessors(), end.gcCount - gcCount, end.gcMillis - gcMillis);
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options are --name=value, got " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return options;
    }
}
