package dev.rewind.ingest.cancel;

import dev.rewind.ingest.faults.TaskFailures;
import dev.rewind.ingest.faults.UnusableRecords;
import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads all of {@code rewind.control} (every partition, no group: each worker must see every
 * cancel, also while its upstream slots are full) from a little before its start, and stops the
 * running session or remembers the cancel for a start still to come. Values are read as bytes and
 * decoded here: a record that is no cancel is dead-lettered or skipped ({@link UnusableRecords}),
 * and every failure is logged, counted and survived, since one stopped listener ends cancellation
 * on this worker. Every worker reads every record, so each writes its own dead letter of a bad one.
 */
public final class CancelListener implements Runnable {

    private static final long FAILURE_PAUSE_MS = 1_000;

    private final Consumer<String, byte[]> consumer;
    private final java.util.function.Consumer<ControlRecord.Cancel> onCancel;
    private final Duration lookback;
    private final Clock clock;
    private final UnusableRecords unusable;
    private final TaskFailures failures;
    private volatile boolean stopping;

    /** @param onCancel stops the running session, or remembers the cancel for a start still to come */
    public CancelListener(Consumer<String, byte[]> consumer, java.util.function.Consumer<ControlRecord.Cancel> onCancel,
            Duration lookback, Clock clock, UnusableRecords unusable, TaskFailures failures) {
        this.consumer = consumer;
        this.onCancel = onCancel;
        this.lookback = lookback;
        this.clock = clock;
        this.unusable = unusable;
        this.failures = failures;
    }

    @Override
    public void run() {
        boolean assigned = false;
        try {
            while (!stopping) {
                try {
                    if (!assigned) {
                        assignFromLookback();
                        assigned = true;
                    }
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        apply(record);
                    }
                } catch (WakeupException e) {
                    // stop() woke it: the loop condition ends it
                } catch (RuntimeException e) {
                    failures.record("cancels", "reading " + Topics.CONTROL, e);
                    stopping |= !TaskFailures.pauseAfterFailure(FAILURE_PAUSE_MS);
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        unusable.decode(record, RecordDecoder.CONTROL, () -> {}).ifPresent(control -> {
            if (control instanceof ControlRecord.Cancel cancel) {
                failures.run("cancels", "applying the cancel of session " + cancel.sessionId(), () -> onCancel.accept(cancel));
            }
        });
    }

    public void stop() {
        stopping = true;
        consumer.wakeup();
    }

    /** Starts a little in the past, so a cancel sent just before this worker started is still seen. */
    private void assignFromLookback() {
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.CONTROL).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
        consumer.assign(partitions);
        long since = clock.instant().minus(lookback).toEpochMilli();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, since));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            consumer.seek(tp, at == null ? ends.get(tp) : at.offset());
        }
    }
}
