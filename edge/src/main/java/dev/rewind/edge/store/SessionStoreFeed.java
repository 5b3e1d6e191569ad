package dev.rewind.edge.store;

import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link SessionStore} up to date: one assign-only {@code read_committed} consumer of
 * every partition of {@code rewind.sessions}, from the beginning on first start, from the stored
 * offsets after a restart. No consumer group: every edge instance keeps its own whole copy.
 */
public final class SessionStoreFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SessionStoreFeed.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<String, byte[]> consumer;
    private final SessionStore store;
    private final ReaderFaults faults;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running = true;

    private SessionStoreFeed(KafkaConsumer<String, byte[]> consumer, SessionStore store, ReaderFaults faults) {
        this.consumer = consumer;
        this.store = store;
        this.faults = faults;
        this.thread = Thread.ofPlatform().name("rewind-edge-session-store").daemon().unstarted(this::run);
    }

    /** Kafka client settings the feed's correctness rests on; the operator's properties cannot change them. */
    public static Map<String, Object> consumerDefaults() {
        return Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                "auto.offset.reset", "earliest",
                "max.poll.records", 1000,
                "fetch.max.bytes", 8 << 20,
                "client.id", "rewind-edge-session-store");
    }

    /** {@code faults} handles summaries that do not decode; the feed closes it. */
    public static SessionStoreFeed start(Map<String, Object> consumerConfig, SessionStore store, ReaderFaults faults) {
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(Topics.SESSIONS, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(Topics.SESSIONS, info.partition()));
            }
            consumer.assign(partitions);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            faults.close();
            throw e;
        }
        SessionStoreFeed feed = new SessionStoreFeed(consumer, store, faults);
        feed.rewind(store.nextOffsets());
        feed.thread.start();
        return feed;
    }

    /** True once the store holds everything that was in the topic when the feed started. */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        Map<Integer, Long> written = store.nextOffsets();
        Map<TopicPartition, Long> target = null;
        while (running) {
            try {
                if (target == null && !caughtUp()) {
                    target = consumer.endOffsets(consumer.assignment());
                }
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                List<SessionStore.Update> updates = new ArrayList<>(records.count());
                for (ConsumerRecord<String, byte[]> record : records) {
                    // a tombstone deletes; a summary is kept only when it decodes and its key is its id
                    boolean tombstone = record.key() != null && record.value() == null;
                    if (tombstone || faults.decode(record, RecordDecoder.SESSION).isPresent()) {
                        updates.add(new SessionStore.Update(record.partition(), record.offset(), record.key(), record.value()));
                    }
                }
                Map<Integer, Long> positions = new HashMap<>();
                for (TopicPartition tp : consumer.assignment()) {
                    positions.put(tp.partition(), consumer.position(tp));
                }
                // positions also move over transaction markers alone: store them so a restart skips those too
                if (!updates.isEmpty() || !positions.equals(written)) {
                    store.apply(updates, positions);
                    written = positions;
                }
                if (target != null && reached(target)) {
                    target = null;
                    caughtUp.countDown();
                    LOG.info("session store caught up with {}", Topics.SESSIONS);
                }
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("following {} failed, retrying in 1 s: {}", Topics.SESSIONS, e.toString());
                faults.loopFailed("session-store");
                pause();
                rewind(written);
            }
        }
        consumer.close(Duration.ofSeconds(1));
        faults.close();
    }

    /** Back to what the store holds, so records polled but not applied are read again. */
    private void rewind(Map<Integer, Long> written) {
        try {
            for (TopicPartition tp : consumer.assignment()) {
                Long next = written.get(tp.partition());
                if (next == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, next);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot reposition the session store consumer: {}", e.toString());
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private boolean reached(Map<TopicPartition, Long> target) {
        return target.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
