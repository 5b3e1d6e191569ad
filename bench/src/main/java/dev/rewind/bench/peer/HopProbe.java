package dev.rewind.bench.peer;

import dev.rewind.bench.load.TopicTail;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The per-hop latency of the side-by-side benchmark (../shared/peer-bench): its upstream simulator
 * stamps every token {@code ⟦<emit epoch µs>#<i>⟧}; this probe tails {@code rewind.chunks}
 * (read_uncommitted: when a chunk is acknowledged and visible) and {@code rewind.tokens}
 * (read_committed: when the token's transaction committed), and writes one line per stamped token:
 * {@code <arrival epoch ms> <hop> <latency µs>}, hop = {@code read} (ingest read: the chunk's
 * {@code received_at} − emit), {@code chunk} (chunk visible − emit) or {@code token} (token committed
 * − emit). {@code bench/peer-bench-table.mjs} splits the lines by run. Runs until it is killed.
 * It reads one session in {@value #SAMPLE_MODULO} (by key hash), so that its own CPU stays small on
 * the box it measures; a probe that falls behind would report its own lag as latency.
 *
 * <p>Usage: {@code HopProbe <bootstrap servers> <output file>}
 */
public final class HopProbe {

    private static final int SAMPLE_MODULO = 8;
    private static final Pattern STAMP = Pattern.compile("\u27e6(\\d{10,20})#\\d+\u27e7");

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>(1_000_000);

    private HopProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: HopProbe <bootstrap servers> <output file>");
            System.exit(2);
        }
        new HopProbe().run(args[0], Path.of(args[1]));
    }

    private void run(String bootstrap, Path out) throws IOException, InterruptedException {
        Thread chunks = tail(bootstrap, Topics.CHUNKS, "read_uncommitted", this::onChunk);
        Thread tokens = tail(bootstrap, Topics.TOKENS, "read_committed", this::onToken);
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.set(false);
                try {
                    main.join(3_000); // the lines still queued are written before the JVM halts
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            while (running.get() || !lines.isEmpty()) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) {
                    writer.write(line);
                    writer.newLine();
                } else {
                    writer.flush();
                }
            }
        }
        chunks.join(2_000);
        tokens.join(2_000);
    }

    private Thread tail(String bootstrap, String topic, String isolation, TopicTail.OnRecord handler) {
        // Kafka's default fetch wait: a fetch returns as soon as a record exists, and an idle probe costs the
        // broker (in Rewind's JVM) two requests a second instead of hundreds
        return TopicTail.start(bootstrap, topic, isolation, Map.of("client.id", "rewind-hop-probe-" + topic),
                SAMPLE_MODULO, running::get, HopProbe::nowMicros, handler);
    }

    private void onChunk(ConsumerRecord<String, byte[]> record, long arrivalMicros) {
        if (Serdes.CHUNK.deserialize(record.topic(), record.headers(), record.value()) instanceof ChunkRecord.Chunk chunk) {
            Matcher stamps = STAMP.matcher(new String(chunk.bytes(), StandardCharsets.UTF_8));
            while (stamps.find()) {
                long emitted = Long.parseLong(stamps.group(1));
                if (chunk.receivedAt() != null) {
                    emit(arrivalMicros, "read", micros(chunk.receivedAt()) - emitted);
                }
                emit(arrivalMicros, "chunk", arrivalMicros - emitted);
            }
        }
    }

    private void onToken(ConsumerRecord<String, byte[]> record, long arrivalMicros) {
        if (Serdes.TOKEN.deserializer().deserialize(record.topic(), record.value()) instanceof TokenEvent.Token token) {
            Matcher stamps = STAMP.matcher(token.text());
            while (stamps.find()) {
                emit(arrivalMicros, "token", arrivalMicros - Long.parseLong(stamps.group(1)));
            }
        }
    }

    private void emit(long arrivalMicros, String hop, long latencyMicros) {
        lines.offer((arrivalMicros / 1000) + " " + hop + " " + latencyMicros); // a full queue drops samples, never blocks a tail
    }

    private static long nowMicros() {
        return micros(Instant.now());
    }

    private static long micros(Instant instant) {
        return instant == null ? 0 : instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
    }
}
