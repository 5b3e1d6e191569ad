package dev.rewind.ingest.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkSerde;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;

/**
 * What this worker knows of sessions' past attempts, so that a takeover never re-runs a finished
 * session and never repeats an attempt number. Filled by scanning the chunk partitions a worker is
 * given (they are co-partitioned with its request partitions) back to a bounded look-back, and
 * kept up to date by the worker's own runs. Bounded: the oldest entries go first.
 */
public final class SessionHistory {

    /** The highest attempt number seen, and whether {@code session_ended} was written. */
    public record Past(int lastAttempt, boolean ended) {}

    private static final byte[] CHUNK_PREFIX = "{\"type\":\"chunk\"".getBytes(StandardCharsets.UTF_8);

    private final int capacity;
    private final LinkedHashMap<String, Past> sessions = new LinkedHashMap<>(16, 0.75f, true);

    public SessionHistory(int capacity) {
        this.capacity = capacity;
    }

    public synchronized Past get(String sessionId) {
        return sessions.getOrDefault(sessionId, new Past(0, false));
    }

    public synchronized void record(String sessionId, int attempt, boolean ended) {
        Past past = sessions.get(sessionId);
        int last = past == null ? attempt : Math.max(past.lastAttempt(), attempt);
        sessions.put(sessionId, new Past(last, ended || past != null && past.ended()));
        while (sessions.size() > capacity) {
            sessions.remove(sessions.keySet().iterator().next());
        }
    }

    /**
     * Reads the markers of the given chunk partitions written since {@code since}, up to their
     * current end. Raw chunks are recognised by their first bytes and never parsed.
     */
    public void scan(Consumer<String, byte[]> scanner, Collection<Integer> partitions, Instant since, Duration timeout) {
        List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(Topics.CHUNKS, p)).toList();
        if (tps.isEmpty()) {
            return;
        }
        scanner.assign(tps);
        Map<TopicPartition, Long> query = new HashMap<>();
        tps.forEach(tp -> query.put(tp, since.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> starts = scanner.offsetsForTimes(query);
        Map<TopicPartition, Long> ends = new HashMap<>(scanner.endOffsets(tps));
        for (TopicPartition tp : tps) {
            OffsetAndTimestamp start = starts.get(tp);
            scanner.seek(tp, start == null ? ends.get(tp) : start.offset());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tps.stream().anyMatch(tp -> scanner.position(tp) < ends.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading the chunk history took longer than " + timeout);
            }
            for (ConsumerRecord<String, byte[]> record : scanner.poll(Duration.ofMillis(200))) {
                byte[] value = record.value();
                // only markers matter here: a chunk is skipped unparsed, by its header (raw) or its JSON prefix (older)
                if (value == null || ChunkSerde.isRaw(record.headers()) || startsWith(value, CHUNK_PREFIX)) {
                    continue;
                }
                try {
                    ChunkRecord marker = Serdes.CHUNK.deserialize(record.topic(), record.headers(), value);
                    if (!(marker instanceof ChunkRecord.SessionQueued)) { // a queued session started no attempt yet
                        record(marker.sessionId(), marker.attempt(), marker instanceof ChunkRecord.SessionEnded);
                    }
                } catch (SerializationException e) {
                    // not ours to judge here: the processor sends unreadable records to its DLQ
                }
            }
        }
    }

    private static boolean startsWith(byte[] value, byte[] prefix) {
        return value.length >= prefix.length && Arrays.equals(value, 0, prefix.length, prefix, 0, prefix.length);
    }
}
