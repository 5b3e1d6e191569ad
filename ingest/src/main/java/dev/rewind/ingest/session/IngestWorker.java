package dev.rewind.ingest.session;

import dev.rewind.ingest.IngestConfig;
import dev.rewind.ingest.cancel.Cancellation;
import dev.rewind.ingest.cancel.PendingCancels;
import dev.rewind.ingest.faults.TaskFailures;
import dev.rewind.ingest.faults.UnusableRecords;
import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import dev.rewind.protocol.telemetry.KafkaTraceHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer loop of {@code rewind.requests}: starts one {@link SessionRun} per start request on
 * its own virtual thread, at most {@code maxConcurrent} at once; requests beyond that wait in a
 * bounded queue (the consumer pauses when it is full) and each is told its position with a
 * {@code session_queued} marker, so no session waits silently. Skips sessions that already ended,
 * and commits offsets by low-water mark. A watchdog ends reads that stall or run past their time limit.
 *
 * <p>Values are read as bytes and decoded here: a record that is no start request is dead-lettered
 * or skipped ({@link UnusableRecords}) and its offset committed with the others, and an exception
 * in the loop is logged, counted and survived — one bad record never stops the partition.
 */
public final class IngestWorker implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestWorker.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration HISTORY_SCAN_TIMEOUT = Duration.ofSeconds(60);
    /** Within the consumer's rebalance timeout: how long handed-over sessions get to write their ends. */
    private static final Duration HAND_OVER_TIMEOUT = Duration.ofSeconds(15);
    /** After the loop failed: long enough not to spin on a broken broker, short against a session timeout. */
    private static final long LOOP_FAILURE_PAUSE_MS = 1_000;
    /** How long the commit that confirms ownership after a freeze may take; the loop asks again after it. */
    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(5);
    /** How often a session whose end Kafka did not take runs again here, and the pause before the first re-run. */
    private static final int MAX_RERUNS = 3;
    private static final long RERUN_PAUSE_MS = 2_000;

    private final Consumer<String, byte[]> consumer;
    private final Supplier<Consumer<String, byte[]>> historyScanner;
    private final String requestsTopic;
    private final Map<String, Upstream> upstreams;
    private final RunServices services;
    private final PendingCancels pendingCancels;
    private final Duration historyLookback;
    private final Semaphore slots;
    private final ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor();
    private final UnusableRecords unusable;
    private final TaskFailures failures;
    private final Watchdog watchdog;
    private final OffsetTracker offsets = new OffsetTracker();
    private final Reruns reruns;
    private final Queue<ConsumerRecord<String, byte[]>> finished = new ConcurrentLinkedQueue<>();
    private final Deque<ConsumerRecord<String, byte[]>> backlog = new ArrayDeque<>();
    private final IngestConfig.Queue queue;
    private long backlogBytes;
    /** A record was handed back for want of room: polling waits until a queued session starts. */
    private boolean queueFull;
    /** When each queued session was last told its position (nanoTime); only the poll thread touches it. */
    private final Map<String, Long> announced = new HashMap<>();
    /** Queued records that are never announced (not a readable start, or their session ended). */
    private final Set<String> unannounced = new HashSet<>();
    private final ExecutorService announcer = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("ingest-queue-status").factory());
    private final AtomicBoolean announcing = new AtomicBoolean();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Assigned partitions whose chunk history could not be read yet: paused, since their ended sessions are unknown. */
    private final Set<TopicPartition> unscanned = new HashSet<>();
    private volatile boolean stopping;
    /** In the group with an assignment (possibly empty); false before the first one and after losing it. */
    private volatile boolean joined;

    /**
     * A session running here, the group generation in which this worker took it, and the duplicate
     * start records that end when it ends.
     */
    private record Running(RequestRecord.Start start, SessionRun run, int writerGeneration, Cancellation cancellation,
            TopicPartition partition,
            List<ConsumerRecord<String, byte[]>> duplicates, CountDownLatch done) {}

    public IngestWorker(
            Consumer<String, byte[]> consumer,
            Supplier<Consumer<String, byte[]>> historyScanner,
            String requestsTopic,
            Map<String, Upstream> upstreams,
            RunServices services,
            PendingCancels pendingCancels,
            Duration historyLookback,
            int maxConcurrent,
            IngestConfig.Queue queue,
            UnusableRecords unusable,
            TaskFailures failures) {
        this.consumer = consumer;
        this.historyScanner = historyScanner;
        this.requestsTopic = requestsTopic;
        this.upstreams = upstreams;
        this.services = services;
        this.pendingCancels = pendingCancels;
        this.historyLookback = historyLookback;
        this.slots = new Semaphore(maxConcurrent);
        this.queue = queue;
        this.unusable = unusable;
        this.failures = failures;
        this.reruns = new Reruns(MAX_RERUNS, RERUN_PAUSE_MS, System::nanoTime, services.meters());
        this.watchdog = new Watchdog(() -> running.values().stream().map(Running::run).filter(Objects::nonNull).toList(),
                failures, Duration.ofSeconds(1), services.fence());
    }

    /** Whether this worker is in its group with an assignment: part of ingest's readiness. */
    public boolean joined() {
        return joined;
    }

    /** Sessions currently calling upstream. */
    public int inFlight() {
        return running.size();
    }

    /** The cancellation of a session running here, or null; what the cancel listener looks up. */
    public Cancellation cancellationOf(String sessionId) {
        Running entry = running.get(sessionId);
        return entry == null ? null : entry.cancellation();
    }

    /** Applies a cancel from {@code rewind.control}: stops the running session, or remembers it for a start to come. */
    public void cancel(ControlRecord.Cancel cancel) {
        synchronized (pendingCancels) {
            Cancellation cancellation = cancellationOf(cancel.sessionId());
            if (cancellation != null) {
                LOG.info("cancelling session {} (by {})", cancel.sessionId(), cancel.by());
                cancellation.cancel(cancel.by(), cancel.reason());
            } else {
                pendingCancels.remember(cancel);
            }
        }
    }

    @Override
    public void run() {
        watchdog.start();
        services.fence().start();
        consumer.subscribe(List.of(requestsTopic), new Rebalance());
        try {
            while (!stopping) {
                try {
                    if (!unscanned.isEmpty()) {
                        scanHistory(List.copyOf(unscanned));
                    }
                    take(consumer.poll(POLL));
                    queueReruns();
                    confirmOwnershipAfterFreeze();
                    startWhatFits();
                    announceQueued();
                    collectFinished();
                    commitLowWaterMarks();
                } catch (WakeupException e) {
                    // stop() woke it: the loop condition ends it
                } catch (RuntimeException e) {
                    failures.record("requests", "reading " + requestsTopic, e);
                    stopping |= !TaskFailures.pauseAfterFailure(LOOP_FAILURE_PAUSE_MS);
                }
            }
        } finally {
            sessions.shutdown();
            announcer.shutdown();
            watchdog.close();
            services.fence().close();
            collectFinished();
            commitLowWaterMarks();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Stops polling; sessions already calling upstream finish on their own threads. */
    public void stop() {
        stopping = true;
        consumer.wakeup();
    }

    /**
     * Waits for running sessions to end; those still running then are interrupted (a session waiting
     * for Kafka would wait forever), and their requests are re-read by the next owner.
     */
    public boolean awaitSessions(Duration timeout) throws InterruptedException {
        if (sessions.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        sessions.shutdownNow();
        sessions.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return false;
    }

    private void handOver(Collection<TopicPartition> partitions) {
        List<Running> moving = running.values().stream()
                .filter(entry -> entry.run() != null && partitions.contains(entry.partition())).toList();
        if (moving.isEmpty()) {
            return;
        }
        LOG.info("handing {} running sessions over with partitions {}", moving.size(), partitions);
        moving.forEach(entry -> entry.run().handOver());
        awaitStopped(moving);
        services.producer().flush(); // everything they wrote is in Kafka before the new owner reads the history
    }

    /**
     * The partitions were lost, not revoked: their sessions stop and write nothing more
     * (SessionRun.abandon). They are awaited as in a hand-over, so that a partition given back at
     * once finds none of them still running (a start re-read while its old run is alive would wait
     * for that run, which ends without running it).
     */
    private void abandonSessions(Collection<TopicPartition> partitions) {
        List<Running> lost = running.values().stream()
                .filter(entry -> entry.run() != null && partitions.contains(entry.partition())).toList();
        if (lost.isEmpty()) {
            return;
        }
        LOG.warn("partitions {} were lost (this worker was presumed dead); abandoning {} running sessions", partitions,
                lost.size());
        lost.forEach(entry -> entry.run().abandon());
        awaitStopped(lost);
    }

    private void awaitStopped(List<Running> stopping) {
        long deadline = System.nanoTime() + HAND_OVER_TIMEOUT.toNanos();
        try {
            for (Running entry : stopping) {
                if (!entry.done().await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    LOG.warn("session {} did not stop within {}", entry.run().sessionId(), HAND_OVER_TIMEOUT);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Queues what a poll returned, up to the queue's bound exactly: the first record that does not
     * fit is handed back (its partition is sought back to it, and that partition's later records of
     * this poll are dropped), so that it is fetched again once the queue has room. A poll returns up
     * to {@code max.poll.records}, far more than a small queue holds.
     */
    private void take(Iterable<ConsumerRecord<String, byte[]>> polled) {
        Set<TopicPartition> handedBack = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : polled) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            if (handedBack.contains(tp)) {
                continue;
            }
            startQueued(); // a free slot makes room first
            long bytes = Math.max(0, record.serializedValueSize());
            // a record larger than the whole byte bound still goes in alone, or its partition would never move
            if (backlog.size() >= queue.maxSessions() || !backlog.isEmpty() && backlogBytes + bytes > queue.maxBytes()) {
                consumer.seek(tp, record.offset());
                handedBack.add(tp);
                queueFull = true;
                continue;
            }
            backlog.add(record);
            backlogBytes += bytes;
        }
    }

    private void startWhatFits() {
        startQueued();
        Set<TopicPartition> assignment = consumer.assignment();
        if (!queueFull && backlog.size() < queue.maxSessions() && backlogBytes < queue.maxBytes()) {
            consumer.resume(assignment.stream().filter(tp -> !unscanned.contains(tp)).toList());
        } else {
            consumer.pause(assignment); // the queue is full: the rest wait in Kafka, unread
        }
    }

    /** Starts queued sessions while slots are free. */
    private void startQueued() {
        // after a freeze nothing starts until the partitions are confirmed: a lost one's start runs elsewhere now
        boolean fenced = services.fence().fenced();
        while (!fenced && !backlog.isEmpty() && slots.tryAcquire()) {
            queueFull = false; // a record handed back may fit now
            ConsumerRecord<String, byte[]> record = backlog.poll();
            backlogBytes -= Math.max(0, record.serializedValueSize());
            announced.remove(record.key());
            unannounced.remove(record.key());
            offsets.started(new TopicPartition(record.topic(), record.partition()), record.offset());
            Optional<Running> started = admit(record);
            if (started.isEmpty()) {
                slots.release();
                continue;
            }
            sessions.execute(() -> runSession(record, started.get()));
        }
    }

    /**
     * Tells every queued session where it waits, when it joins the queue and again every
     * {@code status_interval_ms}. The poll thread only works out the positions; the markers are sent
     * from their own thread, one pass at a time (a pass still sending skips the next), because a send
     * blocks while the producer's buffer is full and the poll loop must never wait for Kafka here.
     * Only a readable start request is announced: a bad record is dead-lettered when its turn comes.
     */
    private void announceQueued() {
        if (backlog.isEmpty()) {
            announced.clear();
            unannounced.clear();
            return;
        }
        if (announcing.get() || services.fence().fenced()) {
            return;
        }
        long now = System.nanoTime();
        long interval = TimeUnit.MILLISECONDS.toNanos(queue.statusIntervalMs());
        List<ChunkRecord.SessionQueued> due = new ArrayList<>();
        int position = 0;
        for (ConsumerRecord<String, byte[]> record : backlog) {
            String key = record.key();
            if (key == null || running.containsKey(key) || unannounced.contains(key)) {
                continue;
            }
            Long last = announced.get(key);
            if (last != null) {
                position++;
                if (now - last >= interval) {
                    announced.put(key, now);
                    due.add(new ChunkRecord.SessionQueued(key, services.history().get(key).lastAttempt() + 1, position,
                            running.size(), services.clock().instant()));
                }
                continue;
            }
            // decoded once: a record that is no start request, or whose session ended, is never announced
            if (!(RecordDecoder.REQUEST.decode(key, record.value())
                    instanceof RecordDecoder.Outcome.Decoded<RequestRecord>(RequestRecord.Start start))
                    || services.history().get(start.sessionId()).ended()) {
                unannounced.add(key);
                continue;
            }
            position++;
            announced.put(key, now);
            due.add(new ChunkRecord.SessionQueued(key, services.history().get(key).lastAttempt() + 1, position,
                    running.size(), services.clock().instant()));
        }
        if (due.isEmpty()) {
            return;
        }
        announcing.set(true);
        announcer.execute(() -> {
            try {
                for (ChunkRecord.SessionQueued queued : due) {
                    services.producer().send(new ProducerRecord<>(Topics.CHUNKS, queued.sessionId(), queued), (metadata, error) -> {
                        if (error != null) {
                            LOG.debug("the queue position of session {} was not written: {}", queued.sessionId(), error.toString());
                        }
                    });
                }
            } catch (RuntimeException e) {
                failures.record("queue-status", "announcing queue positions", e);
            } finally {
                announcing.set(false);
            }
        });
    }

    private void dropBacklogOf(Collection<TopicPartition> partitions) {
        queueFull = false;
        reruns.forget(partitions);
        backlog.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
        backlogBytes = backlog.stream().mapToLong(r -> Math.max(0, r.serializedValueSize())).sum();
        Set<String> left = new HashSet<>(backlog.stream().map(ConsumerRecord::key).toList());
        announced.keySet().retainAll(left);
        unannounced.retainAll(left);
    }

    /**
     * A session to run, unless it already ended or runs here already. A record that needs no run
     * is finished at once — except a duplicate start of a running session (re-read after a
     * rebalance), whose offset must wait for that session's end.
     */
    private Optional<Running> admit(ConsumerRecord<String, byte[]> record) {
        Optional<RequestRecord> request = unusable.decode(record, RecordDecoder.REQUEST, () -> finished.add(record));
        if (request.isEmpty()) {
            return Optional.empty();
        }
        if (!(request.get() instanceof RequestRecord.Start start)) {
            finished.add(record);
            return Optional.empty();
        }
        if (services.history().get(start.sessionId()).ended()) {
            LOG.info("session {} already ended; not calling upstream again", start.sessionId());
            finished.add(record);
            return Optional.empty();
        }
        Cancellation cancellation = new Cancellation();
        Upstream upstream = upstreams.get(start.upstream());
        int generation = consumer.groupMetadata().generationId();
        Running entry = new Running(start, upstream == null ? null : new SessionRun(start, upstream, generation, services,
                        cancellation, KafkaTraceHeaders.extract(record.headers())), generation, cancellation,
                new TopicPartition(record.topic(), record.partition()), new ArrayList<>(), new CountDownLatch(1));
        synchronized (pendingCancels) {
            Running already = running.putIfAbsent(start.sessionId(), entry);
            if (already != null) {
                already.duplicates().add(record); // a duplicate start never runs concurrently
                return Optional.empty();
            }
            pendingCancels.take(start.sessionId()).ifPresent(cancel -> cancellation.cancel(cancel.by(), cancel.reason()));
        }
        return Optional.of(entry);
    }

    private void runSession(ConsumerRecord<String, byte[]> record, Running entry) {
        RequestRecord.Start start = entry.start();
        boolean ended = false;
        try {
            if (entry.run() != null) {
                entry.run().run();
                ended = entry.run().ended();
            } else {
                LOG.error("session {} names unknown upstream {}; the edge should have refused it", start.sessionId(), start.upstream());
                ended = UnknownUpstream.end(start, entry.writerGeneration(), services);
            }
        } catch (RuntimeException e) {
            failures.record("session", "running session " + start.sessionId(), e);
        } finally {
            synchronized (pendingCancels) {
                running.remove(start.sessionId());
                // only a session whose end is in Kafka is done: a handed-over one and one interrupted at shutdown
                // keep their requests uncommitted, so the next owner runs them; one whose end Kafka refused
                // runs again here (its partition stays), and so does a start re-read meanwhile
                if (ended) {
                    finished.add(record);
                    finished.addAll(entry.duplicates());
                } else if (!stopping) {
                    entry.duplicates().forEach(reruns::duplicate);
                    if (entry.run() == null || !entry.run().handedOver()) {
                        reruns.failedRun(record);
                    }
                }
            }
            slots.release();
            entry.done().countDown();
        }
    }

    /**
     * After a freeze ({@link FreezeFence}) every chunk write waits until this worker knows which of its
     * partitions it still owns. A lost partition shows in the poll ({@code onPartitionsLost}, which
     * abandons its sessions); what is left is confirmed by committing each partition's low-water mark
     * again, which the group coordinator takes only from a member whose generation is still current.
     * Then the fence is lifted and the held sessions carry on. A commit that fails leaves it up: the
     * next poll rejoins the group (reporting the loss) and the loop asks again.
     */
    private void confirmOwnershipAfterFreeze() {
        FreezeFence fence = services.fence();
        if (!fence.fenced()) {
            return;
        }
        long seen = fence.epoch();
        Map<TopicPartition, OffsetAndMetadata> marks = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong mark = offsets.lowWaterMark(tp);
            if (mark.isEmpty()) {
                // nothing started from it since it was assigned: its first queued record is where its commit stands
                mark = firstQueuedOffset(tp);
            }
            mark.ifPresent(offset -> marks.put(tp, new OffsetAndMetadata(offset)));
        }
        if (marks.isEmpty()) {
            fence.lift(seen, "no partition of this worker holds a session");
            return;
        }
        try {
            consumer.commitSync(marks, CONFIRM_TIMEOUT);
            marks.forEach((tp, om) -> offsets.markCommitted(tp, om.offset()));
            fence.lift(seen, "the group coordinator took a commit for " + marks.keySet());
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.info("after a freeze, partitions {} are not confirmed yet ({}); chunk writes stay held", marks.keySet(),
                    e.toString());
        }
    }

    private OptionalLong firstQueuedOffset(TopicPartition tp) {
        for (ConsumerRecord<String, byte[]> record : backlog) {
            if (record.partition() == tp.partition() && record.topic().equals(tp.topic())) {
                return OptionalLong.of(record.offset()); // the queue keeps each partition's records in order
            }
        }
        return OptionalLong.empty();
    }

    /** Puts the records due to run again at the head of the queue: each held a slot a moment ago. */
    private void queueReruns() {
        Set<TopicPartition> owned = consumer.assignment();
        List<ConsumerRecord<String, byte[]>> due = reruns.due(owned::contains, finished::add);
        for (ConsumerRecord<String, byte[]> record : due.reversed()) {
            backlog.addFirst(record);
            backlogBytes += Math.max(0, record.serializedValueSize());
        }
    }

    private void collectFinished() {
        ConsumerRecord<String, byte[]> record;
        while ((record = finished.poll()) != null) {
            if (record.key() != null) {
                reruns.ended(record.key());
            }
            offsets.ended(new TopicPartition(record.topic(), record.partition()), record.offset());
        }
    }

    private void commitLowWaterMarks() {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition tp : offsets.tracked()) {
            OptionalLong next = offsets.committable(tp);
            next.ifPresent(offset -> commits.put(tp, new OffsetAndMetadata(offset)));
        }
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits);
            commits.forEach((tp, om) -> offsets.markCommitted(tp, om.offset()));
        } catch (RuntimeException e) {
            LOG.warn("committing request offsets failed; they are committed later: {}", e.toString());
        }
    }

    /**
     * Sessions of partitions that move to another worker are handed over before the partitions go:
     * their upstream calls stop, their open attempts' ends are written and flushed, so the new owner
     * (which reads the chunk history when it gets the partitions) runs the next attempt and never
     * streams at the same time as this worker. Cooperative assignment moves only the partitions that
     * must move, so a worker joining the group does not restart every running session.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            confirmOwnershipAfterFreeze(); // the sessions handed over write their attempts' ends
            handOver(partitions);
            collectFinished();
            commitLowWaterMarks();
            dropBacklogOf(partitions);
            partitions.forEach(offsets::forget);
            unscanned.removeAll(partitions);
        }

        /** This worker was thought dead and its partitions were given away: stop at once, write nothing more. */
        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            joined = false;
            abandonSessions(partitions);
            dropBacklogOf(partitions);
            partitions.forEach(offsets::forget);
            unscanned.removeAll(partitions);
        }

        /** Learns which sessions of the new partitions already ended, and their last attempt numbers. */
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            if (!partitions.isEmpty()) {
                unscanned.addAll(partitions);
                scanHistory(List.copyOf(partitions));
            }
        }
    }

    /**
     * Reads the chunk history of {@code partitions}; until that succeeds they stay paused (and the
     * loop tries again), since starting their requests without it could call upstream again for a
     * session that already ended.
     */
    private void scanHistory(List<TopicPartition> partitions) {
        try (Consumer<String, byte[]> scanner = historyScanner.get()) {
            services.history().scan(scanner, partitions.stream().map(TopicPartition::partition).toList(),
                    services.clock().instant().minus(historyLookback), HISTORY_SCAN_TIMEOUT);
            partitions.forEach(unscanned::remove); // the loop resumes them with the others
        } catch (RuntimeException e) {
            consumer.pause(partitions);
            failures.record("requests", "reading the chunk history of " + partitions, e);
            stopping |= !TaskFailures.pauseAfterFailure(LOOP_FAILURE_PAUSE_MS);
        }
    }
}
