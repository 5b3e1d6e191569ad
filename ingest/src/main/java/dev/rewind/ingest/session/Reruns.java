package dev.rewind.ingest.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start records that must run again on this worker, because nobody else would: a run that ended
 * without its {@code session_ended} in Kafka (refused, or held too long after a freeze) while its
 * partition stays here, and duplicate starts re-read while a lost or handed-over run of their
 * session was still stopping. Without this their requests held the partition's low-water mark
 * until the next rebalance. A run is repeated after a growing pause ({@code pauseMs} × its number),
 * at most {@code maxReruns} times; then the worker gives up on the session (logged, counted in
 * {@code rewind.ingest.sessions.given_up}) so that its partition's commits move on — each run is a
 * paid upstream call, and Kafka that refuses a session's end that often will not take it.
 * Records are offered from session threads; everything else runs on the poll thread.
 */
final class Reruns {

    private static final Logger LOG = LoggerFactory.getLogger(Reruns.class);

    private record Offered(ConsumerRecord<String, byte[]> record, boolean failedRun, long atNanos) {}

    private record Waiting(ConsumerRecord<String, byte[]> record, long dueNanos) {}

    private final Queue<Offered> offered = new ConcurrentLinkedQueue<>();
    private final List<Waiting> waiting = new ArrayList<>();
    private final Map<String, Integer> runs = new HashMap<>();
    private final int maxReruns;
    private final long pauseMs;
    private final LongSupplier nanoClock;
    private final Counter givenUp;

    Reruns(int maxReruns, long pauseMs, LongSupplier nanoClock, MeterRegistry meters) {
        this.maxReruns = maxReruns;
        this.pauseMs = pauseMs;
        this.nanoClock = nanoClock;
        this.givenUp = Counter.builder("rewind.ingest.sessions.given_up")
                .description("sessions whose end Kafka did not take in any of their runs; their requests were committed")
                .register(meters);
    }

    /** A run ended without its end in Kafka and its partition stays here: run it again after a pause. */
    void failedRun(ConsumerRecord<String, byte[]> record) {
        offered.add(new Offered(record, true, nanoClock.getAsLong()));
    }

    /** A duplicate start of a run that stopped without its end: it runs now, as the session's one run here. */
    void duplicate(ConsumerRecord<String, byte[]> record) {
        offered.add(new Offered(record, false, nanoClock.getAsLong()));
    }

    /**
     * The records due to run now, oldest first, of partitions this worker still {@code owns} (the
     * owner of a moved one reads it again itself). A session that used up its runs goes to
     * {@code givenUp}, whose request may then be committed.
     */
    List<ConsumerRecord<String, byte[]>> due(Predicate<TopicPartition> owns, Consumer<ConsumerRecord<String, byte[]>> giveUp) {
        long now = nanoClock.getAsLong();
        Offered next;
        while ((next = offered.poll()) != null) {
            ConsumerRecord<String, byte[]> record = next.record();
            if (!next.failedRun()) {
                waiting.add(new Waiting(record, next.atNanos()));
                continue;
            }
            int run = runs.merge(String.valueOf(record.key()), 1, Integer::sum);
            if (run > maxReruns) {
                runs.remove(String.valueOf(record.key()));
                givenUp.increment();
                LOG.error("session {} ran {} times and Kafka took none of its ends; giving up on it, so that the commits "
                        + "of {}-{} move on (it has no session_ended)", record.key(), run, record.topic(), record.partition());
                giveUp.accept(record);
                continue;
            }
            LOG.warn("session {} ended without its end in Kafka; running it again in {} ms ({} of {})", record.key(),
                    pauseMs * run, run, maxReruns);
            waiting.add(new Waiting(record, next.atNanos() + TimeUnit.MILLISECONDS.toNanos(pauseMs * run)));
        }
        List<ConsumerRecord<String, byte[]>> due = new ArrayList<>();
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            TopicPartition tp = new TopicPartition(w.record().topic(), w.record().partition());
            if (!owns.test(tp)) {
                it.remove();
            } else if (now - w.dueNanos() >= 0) {
                it.remove();
                due.add(w.record());
            }
        }
        return due;
    }

    /** The session's end is in Kafka: its count starts again should it ever come back. */
    void ended(String sessionId) {
        runs.remove(sessionId);
    }

    /** The partitions moved away: their records are the new owner's to run. */
    void forget(Collection<TopicPartition> partitions) {
        offered.removeIf(o -> partitions.contains(new TopicPartition(o.record().topic(), o.record().partition())));
        waiting.removeIf(w -> {
            boolean moved = partitions.contains(new TopicPartition(w.record().topic(), w.record().partition()));
            if (moved) {
                runs.remove(String.valueOf(w.record().key()));
            }
            return moved;
        });
    }
}
