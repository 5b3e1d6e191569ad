package dev.rewind.ingest.cancel;

import dev.rewind.protocol.ControlRecord;
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
 * running session or remembers the cancel for a start still to come.
 */
public final class CancelListener implements Runnable {

    private final Consumer<String, ControlRecord> consumer;
    private final java.util.function.Consumer<ControlRecord.Cancel> onCancel;
    private final Duration lookback;
    private final Clock clock;
    private volatile boolean stopping;

    /** @param onCancel stops the running session, or remembers the cancel for a start still to come */
    public CancelListener(Consumer<String, ControlRecord> consumer, java.util.function.Consumer<ControlRecord.Cancel> onCancel,
            Duration lookback, Clock clock) {
        this.consumer = consumer;
        this.onCancel = onCancel;
        this.lookback = lookback;
        this.clock = clock;
    }

    @Override
    public void run() {
        try {
            assignFromLookback();
            while (!stopping) {
                for (ConsumerRecord<String, ControlRecord> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() instanceof ControlRecord.Cancel cancel) {
                        onCancel.accept(cancel);
                    }
                }
            }
        } catch (WakeupException e) {
            if (!stopping) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
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
