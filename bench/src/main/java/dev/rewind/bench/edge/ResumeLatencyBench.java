package dev.rewind.bench.edge;

import dev.rewind.edge.EdgeServer;
import dev.rewind.kafkatest.EmbeddedTestBroker;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Time to first event of a resume (request sent → first {@code id:} line read), with
 * {@code unrelated} records of other sessions in {@code rewind.tokens}: from the hub's window (a
 * session with a live local subscriber) and from Kafka (a session buried under the unrelated
 * records, no window: a seek by offset), and from the start (the time index). One process: broker,
 * edge and client.
 *
 * <pre>
 * java -Xmx2g -cp bench/target/rewind-bench.jar dev.rewind.bench.edge.ResumeLatencyBench unrelated=1000000 samples=300
 * </pre>
 */
public final class ResumeLatencyBench {

    private ResumeLatencyBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchEdge.options(args);
        int unrelated = Integer.parseInt(opts.getOrDefault("unrelated", "1000000"));
        int samples = Integer.parseInt(opts.getOrDefault("samples", "300"));
        try (EmbeddedTestBroker broker = BenchEdge.broker();
                KafkaProducer<String, TokenEvent> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                        "linger.ms", 20, "batch.size", 262144, "compression.type", "lz4"), new StringSerializer(), Serdes.TOKEN)) {
            String buried = SessionIds.newId();
            java.time.Instant buriedCreated = java.time.Instant.now();
            writeSession(producer, buried, 50, true);
            long fillStart = System.nanoTime();
            fill(producer, unrelated);
            System.out.printf("wrote %d unrelated records in %.1f s%n", unrelated, (System.nanoTime() - fillStart) / 1e9);
            // linger 0: a finished resume leaves no window behind, so every Kafka sample seeks
            try (EdgeServer edge = BenchEdge.start(broker.bootstrapServers(), 0, "hub: {linger_ms: 0}")) {
                String live = SessionIds.newId();
                try (RawSse watcher = new RawSse(edge.port(), "/v1/sessions/" + live + "/events?from=start", BenchEdge.token(live), null)) {
                    // still generating (no terminal event): the watcher stays subscribed and the window stays
                    writeSession(producer, live, 50, false);
                    List<String> liveIds = ids(edge.port(), live, BenchEdge.token(live), 51);
                    String buriedToken = BenchEdge.token(buried, buriedCreated);
                    List<String> buriedIds = ids(edge.port(), buried, buriedToken, 52);
                    report("resume from memory (window)", edge.port(), live, BenchEdge.token(live), liveIds.get(10), samples);
                    report("resume from Kafka (seek)", edge.port(), buried, buriedToken, buriedIds.get(10), samples);
                    report("from the start (time index)", edge.port(), buried, buriedToken, null, samples);
                }
            }
        }
    }

    private static void report(String what, int port, String session, String token, String lastEventId, int samples)
            throws Exception {
        long[] micros = new long[samples];
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            try (RawSse sse = new RawSse(port, "/v1/sessions/" + session + "/events", token, lastEventId)) {
                if (sse.nextId() == null) {
                    throw new IllegalStateException(what + ": no event (status " + sse.status + ")");
                }
                micros[i] = (System.nanoTime() - start) / 1000;
                if (System.getenv("REWIND_BENCH_TRACE") != null) {
                    System.out.println(what + " sample " + i + ": " + micros[i] + " us, status " + sse.status);
                }
            }
        }
        java.util.Arrays.sort(micros);
        System.out.printf("%-30s n=%d p50 %.2f ms, p99 %.2f ms, max %.2f ms; load %s%n", what, samples,
                BenchEdge.percentile(micros, 50) / 1000.0, BenchEdge.percentile(micros, 99) / 1000.0,
                micros[samples - 1] / 1000.0, BenchEdge.load());
    }

    /** The first {@code count} event ids of a session, read once from the start. */
    private static List<String> ids(int port, String session, String token, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        try (RawSse sse = new RawSse(port, "/v1/sessions/" + session + "/events?from=start", token, null)) {
            String line;
            while ((line = sse.readLine()) != null) {
                if (line.startsWith("id: ")) {
                    ids.add(line.substring(4));
                    if (ids.size() == count) {
                        return ids;
                    }
                }
            }
        }
        throw new IllegalStateException("session " + session + " ended after " + ids.size() + " ids");
    }

    private static void writeSession(KafkaProducer<String, TokenEvent> producer, String session, int tokens, boolean finished) {
        producer.send(new ProducerRecord<>(Topics.TOKENS, session, new TokenEvent.Start(session, 1, "sim", "bench")));
        for (int i = 0; i < tokens; i++) {
            producer.send(new ProducerRecord<>(Topics.TOKENS, session, new TokenEvent.Token(session, i + 2, "token " + i)));
        }
        if (finished) {
            producer.send(new ProducerRecord<>(Topics.TOKENS, session, new TokenEvent.Done(session, tokens + 2, "stop", "stop", null)));
        }
        producer.flush();
    }

    /** Records of many other sessions, about 120 bytes each. */
    private static void fill(KafkaProducer<String, TokenEvent> producer, int count) {
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            others.add(SessionIds.newId());
        }
        for (int i = 0; i < count; i++) {
            String session = others.get(i % others.size());
            producer.send(new ProducerRecord<>(Topics.TOKENS, session, new TokenEvent.Token(session, i / others.size() + 1, "filler")));
        }
        producer.flush();
    }
}
