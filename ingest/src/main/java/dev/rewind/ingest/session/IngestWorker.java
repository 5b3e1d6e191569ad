package dev.rewind.ingest.session;

import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.RequestRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.net.http.HttpClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer loop of {@code rewind.requests}: starts one {@link SessionRun} per start request on
 * its own virtual thread, at most {@code maxConcurrent} at once (the consumer pauses while every
 * slot is taken instead of queueing without bound), and commits offsets by low-water mark.
 */
public final class IngestWorker implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestWorker.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Consumer<String, RequestRecord> consumer;
    private final Producer<String, ChunkRecord> producer;
    private final Map<String, Upstream> upstreams;
    private final HttpClient http;
    private final SessionLimits limits;
    private final Clock clock;
    private final Semaphore slots;
    private final ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("ingest-deadlines").daemon().factory());
    private final OffsetTracker offsets = new OffsetTracker();
    private final Queue<ConsumerRecord<String, RequestRecord>> finished = new ConcurrentLinkedQueue<>();
    private final Deque<ConsumerRecord<String, RequestRecord>> backlog = new ArrayDeque<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final String requestsTopic;
    private volatile boolean stopping;

    public IngestWorker(
            Consumer<String, RequestRecord> consumer,
            Producer<String, ChunkRecord> producer,
            String requestsTopic,
            Map<String, Upstream> upstreams,
            HttpClient http,
            SessionLimits limits,
            int maxConcurrent,
            Clock clock) {
        this.consumer = consumer;
        this.producer = producer;
        this.requestsTopic = requestsTopic;
        this.upstreams = upstreams;
        this.http = http;
        this.limits = limits;
        this.slots = new Semaphore(maxConcurrent);
        this.clock = clock;
    }

    /** Sessions currently calling upstream. */
    public int inFlight() {
        return running.size();
    }

    @Override
    public void run() {
        consumer.subscribe(java.util.List.of(requestsTopic), new Rebalance());
        try {
            while (!stopping) {
                for (ConsumerRecord<String, RequestRecord> record : consumer.poll(POLL)) {
                    backlog.add(record);
                }
                startWhatFits();
                collectFinished();
                commitLowWaterMarks();
            }
        } catch (WakeupException e) {
            if (!stopping) {
                throw e;
            }
        } finally {
            sessions.shutdown();
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

    /** Waits for running sessions to end. */
    public boolean awaitSessions(Duration timeout) throws InterruptedException {
        return sessions.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void startWhatFits() {
        while (!backlog.isEmpty() && slots.tryAcquire()) {
            ConsumerRecord<String, RequestRecord> record = backlog.poll();
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            offsets.started(tp, record.offset());
            if (!(record.value() instanceof RequestRecord.Start start) || !running.add(start.sessionId())) {
                // a duplicate start of a session that is still running never runs concurrently
                slots.release();
                finished.add(record);
                continue;
            }
            Upstream upstream = upstreams.get(start.upstream());
            if (upstream == null) {
                LOG.error("session {} names unknown upstream {}; the edge should have refused it", start.sessionId(), start.upstream());
            }
            sessions.execute(() -> runSession(record, start, upstream));
        }
        Set<TopicPartition> assignment = consumer.assignment();
        if (backlog.isEmpty()) {
            consumer.resume(assignment);
        } else {
            consumer.pause(assignment);
        }
    }

    private void runSession(ConsumerRecord<String, RequestRecord> record, RequestRecord.Start start, Upstream upstream) {
        try {
            if (upstream != null) {
                SessionRun run = new SessionRun(start, upstream, http, producer, limits, clock);
                ScheduledFuture<?> deadline = deadlines.schedule(
                        run::abortForDurationLimit, limits.maxSessionDurationMs(), TimeUnit.MILLISECONDS);
                try {
                    run.run();
                } finally {
                    deadline.cancel(false);
                }
            } else {
                UnknownUpstream.end(start, producer, clock);
            }
        } finally {
            running.remove(start.sessionId());
            slots.release();
            finished.add(record);
        }
    }

    private void collectFinished() {
        ConsumerRecord<String, RequestRecord> record;
        while ((record = finished.poll()) != null) {
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            collectFinished();
            commitLowWaterMarks();
            backlog.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
            partitions.forEach(offsets::forget);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    }
}
