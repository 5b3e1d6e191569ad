package dev.rewind.bench.edge;

import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The client side of the connection benchmark: holds {@code connections} SSE streams on
 * {@code sessions} sessions against an {@link EdgeBenchServer}, measures the server's heap per idle
 * connection (GC through {@code jcmd}, heap from {@code /metrics}), then writes {@code events}
 * token events per session and reports events/s delivered and the p50/p99 delay from the
 * producer's send to the client's read.
 *
 * <pre>
 * (ulimit -n 20000; java -Xmx2g -cp bench/target/rewind-bench.jar dev.rewind.bench.edge.SseLoadClient \
 *     port=8080 bootstrap=127.0.0.1:9092 pid=1234 connections=15000 sessions=1500 events=20 rate=1500)
 * </pre>
 */
public final class SseLoadClient {

    private SseLoadClient() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchEdge.options(args);
        int port = Integer.parseInt(opts.get("port"));
        String bootstrap = opts.get("bootstrap");
        long pid = Long.parseLong(opts.get("pid"));
        int connections = Integer.parseInt(opts.getOrDefault("connections", "1000"));
        int sessionCount = Integer.parseInt(opts.getOrDefault("sessions", String.valueOf(Math.max(1, connections / 10))));
        int events = Integer.parseInt(opts.getOrDefault("events", "20"));
        // token events written per second across all sessions (0: as fast as the producer goes, which measures saturation)
        int rate = Integer.parseInt(opts.getOrDefault("rate", "0"));

        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < sessionCount; i++) {
            sessions.add(SessionIds.newId());
        }
        double heapBefore = serverHeap(port, pid);
        CountDownLatch connected = new CountDownLatch(connections);
        AtomicInteger failed = new AtomicInteger();
        AtomicLong delivered = new AtomicLong();
        AtomicLong lastDelivery = new AtomicLong();
        ConcurrentLinkedQueue<long[]> delays = new ConcurrentLinkedQueue<>();
        CountDownLatch finished = new CountDownLatch(connections);
        List<RawSse> open = java.util.Collections.synchronizedList(new ArrayList<>());
        long connectStart = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            String session = sessions.get(c % sessionCount);
            Thread.ofVirtual().start(() -> {
                long[] mine = new long[events + 2];
                int n = 0;
                try (RawSse sse = new RawSse(port, "/v1/sessions/" + session + "/events?from=live", BenchEdge.token(session), null)) {
                    open.add(sse);
                    if (sse.status != 200) {
                        failed.incrementAndGet();
                        connected.countDown();
                        return;
                    }
                    // the retry hint arrives first: the stream is established
                    String line;
                    while ((line = sse.readLine()) != null && !line.startsWith("retry:")) {
                        // chunk framing
                    }
                    connected.countDown();
                    while ((line = sse.readLine()) != null) {
                        int at = line.indexOf("\"text\":\"sent:");
                        if (at >= 0) {
                            long sentMicros = Long.parseLong(line.substring(at + 13, line.indexOf('"', at + 13)));
                            long now = epochMicros();
                            if (n < mine.length) {
                                mine[n++] = Math.max(0, now - sentMicros);
                            }
                            delivered.incrementAndGet();
                            lastDelivery.set(System.nanoTime());
                        } else if (line.startsWith("event: done")) {
                            break;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    failed.incrementAndGet();
                    connected.countDown();
                } finally {
                    delays.add(Arrays.copyOf(mine, n));
                    finished.countDown();
                }
            });
        }
        boolean all = connected.await(10, TimeUnit.MINUTES);
        long connectMs = (System.nanoTime() - connectStart) / 1_000_000;
        double heapAfter = serverHeap(port, pid);
        int held = connections - failed.get();
        System.out.printf("connections: asked %d, held %d, failed %d, all in %d ms (complete=%s); load %s%n",
                connections, held, failed.get(), connectMs, all, BenchEdge.load());
        System.out.printf("server heap after GC: before %.1f MB, with streams %.1f MB, per idle connection %.1f KB%n",
                heapBefore / 1e6, heapAfter / 1e6, held == 0 ? 0 : (heapAfter - heapBefore) / held / 1024);

        try (KafkaProducer<String, TokenEvent> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", 5, "compression.type", "lz4"), new StringSerializer(), Serdes.TOKEN)) {
            long sendStart = System.nanoTime();
            long sent = 0;
            for (int e = 0; e < events; e++) {
                for (String session : sessions) {
                    if (rate > 0) {
                        long due = sendStart + sent * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            producer.flush();
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                    sent++;
                    long micros = epochMicros();
                    producer.send(new ProducerRecord<>(Topics.TOKENS, session, new TokenEvent.Token(session, e + 1, "sent:" + micros)));
                }
                producer.flush();
            }
            for (String session : sessions) {
                producer.send(new ProducerRecord<>(Topics.TOKENS, session, new TokenEvent.Done(session, events + 1, "stop", "stop", null)));
            }
            producer.flush();
            finished.await(5, TimeUnit.MINUTES);
            double seconds = (lastDelivery.get() - sendStart) / 1e9;
            long[] merged = delays.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            System.out.printf("delivered %d events in %.2f s: %.0f events/s; delay p50 %.1f ms, p99 %.1f ms, max %.1f ms; load %s%n",
                    delivered.get(), seconds, delivered.get() / seconds, BenchEdge.percentile(merged, 50) / 1000.0,
                    BenchEdge.percentile(merged, 99) / 1000.0, merged.length == 0 ? 0 : merged[merged.length - 1] / 1000.0,
                    BenchEdge.load());
        }
        for (RawSse sse : List.copyOf(open)) {
            sse.close();
        }
    }

    /** The server's used heap after a full GC, from its /metrics. */
    private static double serverHeap(int port, long pid) throws Exception {
        Process gc = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().readAllBytes();
        gc.waitFor(60, TimeUnit.SECONDS);
        String metrics;
        try (HttpClient http = HttpClient.newHttpClient()) {
            metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        double heap = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                heap += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return heap;
    }

    /** Microseconds since the epoch on the machine's clock, shared by producer and client (same host). */
    static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
