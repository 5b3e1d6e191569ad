package dev.rewind.ingest.session;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Low-water marks of {@code rewind.requests}: a request's offset may be committed only when it and
 * every earlier request of its partition have ended, so a restart re-reads exactly the sessions
 * that were still in flight. Used from the consumer's thread only.
 */
final class OffsetTracker {

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    private static final class Partition {
        final TreeSet<Long> inFlight = new TreeSet<>();
        long highestSeen = -1;
        long committed = -1;
    }

    void started(TopicPartition tp, long offset) {
        Partition p = partitions.computeIfAbsent(tp, k -> new Partition());
        p.inFlight.add(offset);
        p.highestSeen = Math.max(p.highestSeen, offset);
    }

    void ended(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p != null) {
            p.inFlight.remove(offset);
        }
    }

    /** The offset to commit for {@code tp} (the next one to read), if it moved since the last commit. */
    OptionalLong committable(TopicPartition tp) {
        Partition p = partitions.get(tp);
        OptionalLong next = lowWaterMark(tp);
        return next.isPresent() && next.getAsLong() > p.committed ? next : OptionalLong.empty();
    }

    /** The offset before which every request of {@code tp} ended, once one was started. */
    OptionalLong lowWaterMark(TopicPartition tp) {
        Partition p = partitions.get(tp);
        if (p == null || p.highestSeen < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(p.inFlight.isEmpty() ? p.highestSeen + 1 : p.inFlight.first());
    }

    void markCommitted(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p != null) {
            p.committed = offset;
        }
    }

    Iterable<TopicPartition> tracked() {
        return partitions.keySet();
    }

    void forget(TopicPartition tp) {
        partitions.remove(tp);
    }
}
