package dev.rewind.edge.hub;

import dev.rewind.protocol.ops.CloseSteps;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge instance's one tail of {@code rewind.tokens}: a single assign-only {@code read_committed}
 * consumer on its own thread, started at the end of every partition, hands each event of a session
 * with local subscribers to their bounded queues (never blocking on a client) and keeps a small
 * recent window per such session. Records of other sessions are skipped by key, unparsed.
 *
 * <p>Registration and dispatch of a partition take the same lock, so a subscriber learns exactly
 * where its live feed begins: every event of its session at the returned position and later reaches
 * its queue, every earlier one is in the window or must be read from Kafka ({@link SessionFeed}).
 */
public final class TokenHub implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TokenHub.class);
    private static final long PROBE_INTERVAL_MS = 2_000;

    /** What a new subscriber gets: where its live feed starts and, when the window covered its cursor, the events before. */
    public record Registration(long livePosition, List<Delivery> fromWindow) {}

    /** Decides, under the partition lock, whether a session's window serves a cursor; returns null when it does not. */
    @FunctionalInterface
    interface WindowReader {
        List<Delivery> read(SessionWindow window, long livePosition);
    }

    /** A session with local subscribers (or lingering after its last one left). */
    private static final class Channel {
        final String sessionId;
        final int partition;
        final SessionWindow window;
        final List<Subscriber> subscribers = new ArrayList<>(2);
        /** Non-zero while no subscriber is left: when the window may be dropped. Guarded by the partition lock. */
        long lingerUntil;

        Channel(String sessionId, int partition, SessionWindow window) {
            this.sessionId = sessionId;
            this.partition = partition;
            this.window = window;
        }
    }

    private final EdgeConfig.Hub settings;
    private final boolean readsTraces;
    private final long pollMs;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final ReentrantLock[] locks;
    private final long[] positions;
    private final Map<String, Channel>[] channels;
    /** One entry per time a channel lost its last subscriber; stale entries are recognised by their deadline. */
    private record Lingering(Channel channel, long until) {}

    private final ArrayDeque<Lingering> lingering = new ArrayDeque<>();
    private final ReentrantLock lingerLock = new ReentrantLock();
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicLong windowBytes = new AtomicLong();
    private final AtomicLong lag = new AtomicLong(-1);
    private final Counter dispatched;
    private final Counter dropped;
    private final Timer delay;
    /**
     * The readiness probe's own client and thread: an end-offsets call on the dispatch thread would
     * stall every live stream while a broker is slow to answer.
     */
    private final KafkaConsumer<String, byte[]> prober;
    private final ScheduledExecutorService probes;
    private final ReaderFaults faults;
    private volatile long lastProbeOkNanos;
    private volatile boolean polledOnce;
    private volatile boolean running = true;
    private volatile Throwable failure;

    @SuppressWarnings("unchecked")
    /** {@code faults} handles the records of subscribed sessions that do not decode; the hub closes it. */
    public TokenHub(EdgeConfig.Hub settings, long pollMs, Map<String, Object> consumerConfig, int partitionCount,
            MeterRegistry meters, ReaderFaults faults) {
        this(settings, pollMs, consumerConfig, partitionCount, meters, faults, false);
    }

    /** As above; {@code readsTraces}: each delivery keeps its record's headers (the trace context), for tracing. */
    public TokenHub(EdgeConfig.Hub settings, long pollMs, Map<String, Object> consumerConfig, int partitionCount,
            MeterRegistry meters, ReaderFaults faults, boolean readsTraces) {
        this.readsTraces = readsTraces;
        this.settings = settings;
        this.faults = faults;
        this.pollMs = pollMs;
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> proberConfig = new HashMap<>(consumerConfig);
        proberConfig.put("client.id", consumerConfig.getOrDefault("client.id", "rewind-edge-hub") + "-probe");
        this.prober = new KafkaConsumer<>(proberConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.probes = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("rewind-edge-hub-probe").daemon(true).factory());
        this.partitions = new ArrayList<>(partitionCount);
        this.locks = new ReentrantLock[partitionCount];
        this.positions = new long[partitionCount];
        this.channels = new Map[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            partitions.add(new TopicPartition(Topics.TOKENS, p));
            locks[p] = new ReentrantLock();
            channels[p] = new HashMap<>();
        }
        this.dispatched = Counter.builder("rewind.edge.hub.events").description("events the hub handed to local subscribers' queues")
                .register(meters);
        this.dropped = Counter.builder("rewind.edge.queue.drops").description("subscribers cut because their queue was full")
                .register(meters);
        this.delay = Timer.builder("rewind.edge.hub.delay")
                .description("from the token record's timestamp to its dispatch by the hub").register(meters);
        Gauge.builder("rewind.edge.hub.lag", lag, AtomicLong::get).description("records of rewind.tokens not yet read by the hub")
                .baseUnit("records").register(meters);
        Gauge.builder("rewind.edge.hub.sessions", this, TokenHub::sessionCount)
                .description("sessions with a window in memory").register(meters);
        Gauge.builder("rewind.edge.hub.window.bytes", windowBytes, AtomicLong::get).baseUnit("bytes")
                .description("bytes held by the recent windows").register(meters);
        this.thread = Thread.ofPlatform().name("rewind-edge-hub").daemon(true).unstarted(this::run);
    }

    /** Rewind's settings for the hub's consumer: read_committed (only committed transactions), no group, no commits. */
    public static Map<String, Object> consumerDefaults() {
        return Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                // the hub seeks to the end itself at start; this only applies when retention passed its
                // position (a hub lagging that far): go on from the oldest record rather than skip to the end
                "auto.offset.reset", "earliest",
                "max.poll.records", 2000,
                "client.id", "rewind-edge-hub");
    }

    /** Starts tailing at the end of every partition; returns once the positions are known. */
    public TokenHub start(Duration timeout) {
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        for (TopicPartition tp : partitions) {
            positions[tp.partition()] = consumer.position(tp, timeout);
        }
        lastProbeOkNanos = System.nanoTime();
        thread.start();
        probes.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL_MS, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        try {
            if (!started.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the hub did not start within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the hub", e);
        }
        return this;
    }

    public int partitionCount() {
        return partitions.size();
    }

    /**
     * Registers {@code subscriber} for its session's events in {@code partition}. Everything the hub
     * dispatches from the returned live position on reaches the subscriber's queue; {@code window}
     * decides whether the recent window serves the cursor.
     */
    Registration register(int partition, Subscriber subscriber, WindowReader window) {
        ReentrantLock lock = locks[partition];
        lock.lock();
        try {
            Channel channel = channels[partition].get(subscriber.sessionId());
            long live = positions[partition];
            if (channel == null) {
                channel = new Channel(subscriber.sessionId(), partition, new SessionWindow(live, settings.windowEvents(), settings.windowBytes()));
                channels[partition].put(subscriber.sessionId(), channel);
            }
            channel.lingerUntil = 0;
            channel.subscribers.add(subscriber);
            List<Delivery> fromWindow = window == null ? null : window.read(channel.window, live);
            return new Registration(live, fromWindow);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens the window of a session this instance is about to create, before its start request is
     * written: every event of it will come later in the log than the hub's position now, so the
     * window holds it from its first event, and the creator's first stream (and its resumes) are
     * served without reading Kafka. Reading a new session's past by the time index scanned the
     * partition's last {@code skew_margin_ms} of every other session: three quarters of the edge's
     * streaming CPU at 500 sessions (JFR, 2026-12-07). The window lingers until a subscriber comes.
     */
    public void expectNewSession(String sessionId) {
        int p = SessionPartitioner.partitionFor(sessionId, partitions.size());
        ReentrantLock lock = locks[p];
        lock.lock();
        try {
            if (!channels[p].containsKey(sessionId)) {
                Channel channel = new Channel(sessionId, p, SessionWindow.fromBirth(positions[p], settings.windowEvents(), settings.windowBytes()));
                channels[p].put(sessionId, channel);
                linger(channel);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes the subscriber; its session's window lingers a while for a quick reconnect. */
    void unregister(int partition, Subscriber subscriber) {
        ReentrantLock lock = locks[partition];
        lock.lock();
        try {
            Channel channel = channels[partition].get(subscriber.sessionId());
            if (channel != null && channel.subscribers.remove(subscriber) && channel.subscribers.isEmpty()) {
                linger(channel);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Where the hub stands in {@code partition}: the next offset it will dispatch. */
    public long position(int partition) {
        ReentrantLock lock = locks[partition];
        lock.lock();
        try {
            return positions[partition];
        } finally {
            lock.unlock();
        }
    }

    /** Ready: the tail runs, Kafka answered recently, and the hub is no more than {@code ready_max_lag} records behind. */
    public Readiness readiness() {
        Throwable failed = failure;
        if (failed != null) {
            return new Readiness(false, "the hub's last read failed: " + failed);
        }
        if (!polledOnce) {
            return new Readiness(false, "the hub has not read Kafka yet");
        }
        long sinceProbe = System.nanoTime() - lastProbeOkNanos;
        if (sinceProbe > TimeUnit.MILLISECONDS.toNanos(settings.readyStaleMs())) {
            return new Readiness(false, "Kafka has not answered for " + TimeUnit.NANOSECONDS.toMillis(sinceProbe) + " ms");
        }
        long behind = lag.get();
        if (behind > settings.readyMaxLag()) {
            return new Readiness(false, "the hub is " + behind + " records behind");
        }
        return new Readiness(true, "caught up (lag " + Math.max(0, behind) + ")");
    }

    /** Whether the edge can serve streams, and why not. */
    public record Readiness(boolean ready, String detail) {}

    private int sessionCount() {
        int count = 0;
        for (int p = 0; p < channels.length; p++) {
            locks[p].lock();
            try {
                count += channels[p].size();
            } finally {
                locks[p].unlock();
            }
        }
        return count;
    }

    private void run() {
        Duration poll = Duration.ofMillis(pollMs);
        long backoffMs = 100;
        started.countDown();
        try {
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(poll);
                    for (TopicPartition tp : partitions) {
                        dispatch(tp, records.records(tp));
                    }
                    polledOnce = true;
                    failure = null;
                    backoffMs = 100;
                    expireLingering();
                } catch (WakeupException e) {
                    // closing: the loop condition ends it
                } catch (RuntimeException e) {
                    // not ready meanwhile; resume where dispatch stands, so nothing is skipped (a repeat is
                    // dropped by each feed's offset filter)
                    failure = e;
                    faults.loopFailed("hub");
                    LOG.warn("the token hub's read failed; retrying in {} ms: {}", backoffMs, e.toString());
                    if (stopping.await(backoffMs, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    backoffMs = Math.min(5_000, backoffMs * 2);
                    resumeAtDispatchedPositions();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(2));
            faults.close();
        }
    }

    private void resumeAtDispatchedPositions() {
        try {
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, position(tp.partition()));
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot reposition the token hub: {}", e.toString());
        }
    }

    private void dispatch(TopicPartition tp, List<ConsumerRecord<String, byte[]>> records) {
        int p = tp.partition();
        ReentrantLock lock = locks[p];
        lock.lock();
        try {
            Map<String, Channel> local = channels[p];
            for (ConsumerRecord<String, byte[]> record : records) {
                Channel channel = record.key() == null ? null : local.get(record.key());
                if (channel != null) {
                    deliver(channel, record);
                }
            }
            // the consumer's position, not the last record + 1: transaction markers advance it too
            positions[p] = consumer.position(tp);
        } finally {
            lock.unlock();
        }
    }

    private void deliver(Channel channel, ConsumerRecord<String, byte[]> record) {
        Delivery delivery = decode(record);
        if (delivery == null) {
            return;
        }
        long before = channel.window.bytes();
        channel.window.add(delivery);
        windowBytes.addAndGet(channel.window.bytes() - before);
        for (int i = channel.subscribers.size() - 1; i >= 0; i--) {
            Subscriber.Offer offer = channel.subscribers.get(i).offer(delivery);
            if (offer != Subscriber.Offer.QUEUED) {
                channel.subscribers.remove(i);
                if (offer == Subscriber.Offer.OVERFLOWED) {
                    dropped.increment();
                }
            }
        }
        if (channel.subscribers.isEmpty()) {
            linger(channel);
        }
        dispatched.increment();
        delay.record(Math.max(0, System.currentTimeMillis() - record.timestamp()), TimeUnit.MILLISECONDS);
    }

    /** Parses a record of a session with subscribers; one it cannot use is skipped or dead-lettered, and counted. */
    private Delivery decode(ConsumerRecord<String, byte[]> record) {
        return faults.decode(record, RecordDecoder.TOKEN).map(event -> delivery(record, event)).orElse(null);
    }

    /** As {@link #decode}, for a replay read: counted, but not dead-lettered again (the tail did, and replays repeat). */
    Delivery decodeReplayed(ConsumerRecord<String, byte[]> record) {
        return faults.decodeCounted(record, RecordDecoder.TOKEN).map(event -> delivery(record, event)).orElse(null);
    }

    /**
     * The event's JSON is the record's own value when it is one line (the processor writes it with
     * the contract's one mapping): rendering every event again cost a serialisation per delivery. A
     * value with a line break (another writer's pretty JSON) is rendered anew, since SSE data and
     * WebSocket frames carry it on one line.
     */
    private Delivery delivery(ConsumerRecord<String, byte[]> record, TokenEvent event) {
        byte[] value = record.value();
        String json = oneLine(value) ? new String(value, StandardCharsets.UTF_8) : Json.toString(event);
        return new Delivery(new EventId(record.partition(), record.offset(), event.seq()), event, json,
                readsTraces ? record.headers() : null);
    }

    private static boolean oneLine(byte[] value) {
        for (byte b : value) {
            if (b == '\n' || b == '\r') {
                return false;
            }
        }
        return true;
    }

    /** Called under the channel's partition lock. */
    private void linger(Channel channel) {
        if (channel.lingerUntil != 0) {
            return;
        }
        channel.lingerUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.lingerMs());
        lingerLock.lock();
        try {
            lingering.addLast(new Lingering(channel, channel.lingerUntil));
        } finally {
            lingerLock.unlock();
        }
    }

    /** Drops windows whose sessions have had no subscriber for {@code linger_ms}, oldest first, and sooner when too many linger. */
    private void expireLingering() {
        long now = System.nanoTime();
        while (true) {
            Lingering oldest;
            boolean crowded;
            lingerLock.lock();
            try {
                oldest = lingering.peekFirst();
                crowded = lingering.size() > settings.lingerSessions();
                if (oldest == null || (now - oldest.until() < 0 && !crowded)) {
                    return;
                }
                lingering.removeFirst();
            } finally {
                lingerLock.unlock();
            }
            Channel channel = oldest.channel();
            ReentrantLock lock = locks[channel.partition];
            lock.lock();
            try {
                // a subscriber may have come back since (then it no longer lingers, or lingers anew)
                if (channel.subscribers.isEmpty() && channel.lingerUntil == oldest.until()
                        && channels[channel.partition].get(channel.sessionId) == channel) {
                    channels[channel.partition].remove(channel.sessionId);
                    windowBytes.addAndGet(-channel.window.bytes());
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * On the probe's thread: asks Kafka for the end of every partition, which proves it reachable and
     * measures how far dispatch is behind (so a stuck dispatch thread shows as lag, too). A scheduled
     * task: an exception is logged and the next run tries again.
     */
    private void probe() {
        try {
            Map<TopicPartition, Long> ends = prober.endOffsets(partitions, Duration.ofSeconds(2));
            long behind = 0;
            for (TopicPartition tp : partitions) {
                behind += Math.max(0, ends.get(tp) - position(tp.partition()));
            }
            lag.set(behind);
            lastProbeOkNanos = System.nanoTime();
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.warn("Kafka did not answer the hub's end-offset probe: {}", e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        stopping.countDown();
        CloseSteps.run(this::stopProbe, this::stopTail);
    }

    private void stopProbe() throws InterruptedException {
        probes.shutdownNow();
        prober.wakeup();
        probes.awaitTermination(5, TimeUnit.SECONDS);
        prober.close(Duration.ZERO);
    }

    private void stopTail() throws InterruptedException {
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ZERO); // start() failed before the tail ran: nobody else closes it
            faults.close();
            return;
        }
        consumer.wakeup();
        thread.join(5_000);
    }
}
