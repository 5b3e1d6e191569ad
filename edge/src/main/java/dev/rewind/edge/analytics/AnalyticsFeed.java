package dev.rewind.edge.analytics;

import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link AnalyticsView}: one assign-only {@code read_committed} consumer of every
 * partition of the compacted {@code rewind.analytics}, from the beginning (the running totals may
 * be old), on its own thread. A window older than the horizon is skipped by its key, its value
 * never parsed. It starts in the background and retries failures with backoff, so the edge's
 * startup and readiness never depend on it.
 */
public final class AnalyticsFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsFeed.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long PRUNE_EVERY_MS = 10_000;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final Map<String, Object> consumerConfig;
    private final AnalyticsView view;
    private final Clock clock;
    private final ReaderFaults faults;
    private final Thread thread;
    private final Object consumerLock = new Object();
    private final Object pauseLock = new Object();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running = true;
    private volatile boolean caughtUp;

    private AnalyticsFeed(Map<String, Object> consumerConfig, AnalyticsView view, Clock clock, ReaderFaults faults) {
        this.consumerConfig = consumerConfig;
        this.view = view;
        this.clock = clock;
        this.faults = faults;
        this.thread = Thread.ofPlatform().name("rewind-edge-analytics").daemon().unstarted(this::run);
    }

    /** Kafka client settings the view's correctness rests on: read_committed (the app writes in transactions), no group. */
    public static Map<String, Object> consumerDefaults() {
        return Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                "auto.offset.reset", "earliest",
                "max.poll.records", 1000,
                "fetch.max.bytes", 4 << 20,
                "client.id", "rewind-edge-analytics");
    }

    /** {@code faults} handles records that do not decode; the feed closes it. */
    static AnalyticsFeed start(Map<String, Object> consumerConfig, AnalyticsView view, Clock clock, ReaderFaults faults) {
        AnalyticsFeed feed = new AnalyticsFeed(consumerConfig, view, clock, faults);
        feed.thread.start();
        return feed;
    }

    /** True once the view holds everything that was in the topic when the feed (last) connected. */
    boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        long backoffMs = 100;
        long lastPrune = 0;
        Map<TopicPartition, Long> target = null;
        while (running) {
            try {
                KafkaConsumer<String, byte[]> current = connected();
                if (current == null) {
                    break;
                }
                if (target == null && !caughtUp) {
                    target = current.endOffsets(current.assignment());
                }
                long now = clock.millis();
                for (ConsumerRecord<String, byte[]> record : current.poll(POLL)) {
                    apply(record, now);
                }
                for (TopicPartition tp : current.assignment()) {
                    positions.put(tp, current.position(tp));
                }
                if (target != null && reached(target)) {
                    target = null;
                    caughtUp = true;
                    LOG.info("analytics view caught up with {} ({} series)", Topics.ANALYTICS, view.seriesCount());
                }
                if (now - lastPrune >= PRUNE_EVERY_MS) {
                    view.prune(now);
                    lastPrune = now;
                }
                backoffMs = 100;
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("reading {} failed, retrying in {} ms: {}", Topics.ANALYTICS, backoffMs, e.toString());
                faults.loopFailed("analytics-feed");
                disconnect();
                target = null;
                pause(backoffMs);
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            }
        }
        disconnect();
        faults.close();
    }

    private void apply(ConsumerRecord<String, byte[]> record, long nowMs) {
        if (AnalyticsKey.isKeyWindow(record.key())) {
            return; // one API key's billing: the edge keeps no view of it (yet)
        }
        Optional<AnalyticsKey> key = AnalyticsKey.parse(record.key());
        if (key.isEmpty()) {
            faults.refuse(record, "wrong-key: not a window or total key of " + Topics.ANALYTICS);
            return;
        }
        if (key.get().isWindow() && record.value() != null && view.tooOld(key.get().windowStart(), nowMs)) {
            return;
        }
        AnalyticsRecord value = null;
        if (record.value() != null) { // null: a tombstone, which removes the series
            Optional<AnalyticsRecord> decoded = faults.decodeValue(record, RecordDecoder.ANALYTICS);
            if (decoded.isEmpty()) {
                return;
            }
            value = decoded.get();
        }
        view.apply(key.get(), value, record.timestamp(), nowMs);
    }

    /** The consumer, assigned to every partition at the positions reached so far (new partitions from the beginning). */
    private KafkaConsumer<String, byte[]> connected() {
        synchronized (consumerLock) {
            if (!running) {
                return null;
            }
            if (consumer != null) {
                return consumer;
            }
            consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(Topics.ANALYTICS, Duration.ofSeconds(10))) {
            partitions.add(new TopicPartition(Topics.ANALYTICS, info.partition()));
        }
        consumer.assign(partitions);
        for (TopicPartition tp : partitions) {
            Long next = positions.get(tp);
            if (next == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, next);
            }
        }
        return consumer;
    }

    private void disconnect() {
        synchronized (consumerLock) {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(1));
                consumer = null;
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> target) {
        return target.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    /** The retry backoff; {@link #close()} cuts it short (no interrupt, which would also hit a consumer closing). */
    private void pause(long ms) {
        synchronized (pauseLock) {
            try {
                if (running) {
                    pauseLock.wait(ms);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (consumerLock) {
            if (consumer != null) {
                consumer.wakeup();
            }
        }
        synchronized (pauseLock) {
            pauseLock.notifyAll();
        }
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
