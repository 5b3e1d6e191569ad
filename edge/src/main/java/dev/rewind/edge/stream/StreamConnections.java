package dev.rewind.edge.stream;

import dev.rewind.edge.hub.SessionFeed;
import dev.rewind.edge.hub.Subscriber;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every open stream of this edge (SSE, WebSocket, the compat dialects' streams and the waits of
 * non-streaming completions): counted for metrics, held to {@code sse.max_connections} together (one
 * more is refused with {@link FullException}, a 503, so the open-file limit is never what stops
 * the edge: {@code /health}, the API and the hub's own sockets keep working), cut when a write blocks
 * longer than {@code sse.write_timeout_ms} (Helidon 4.2.0 has no write timeout; interrupting a
 * virtual thread blocked on a socket closes that socket), and told to end on shutdown so clients
 * reconnect elsewhere while nothing is lost (they resume by id).
 */
public final class StreamConnections implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamConnections.class);

    /** The edge is shutting down and takes no new streams. */
    public static final class DrainingException extends Exception {
        DrainingException() {
            super("the edge is shutting down; reconnect", null, false, false);
        }
    }

    /** The edge holds {@code sse.max_connections} streams already. */
    public static final class FullException extends Exception {
        FullException(int max) {
            super("this edge holds its limit of " + max + " streams (sse.max_connections); retry shortly", null, false, false);
        }
    }

    /** What kind of stream a connection is: the tag of its metrics. */
    public enum Transport {
        SSE, WS,
        /** An OpenAI chat-completions or AI SDK UI-message stream. */
        COMPAT,
        /** A {@code stream: false} chat completion waiting for its session's end. */
        COMPLETION,
        /** A Durable Streams read of a session (catch-up, long-poll or SSE). */
        DURABLE;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One open stream, written by one thread. */
    public final class Connection implements AutoCloseable {
        private final Thread writer;
        private final Subscriber subscriber;
        private final Transport transport;
        private volatile long writingSince;
        /** Written by the connection's own thread only; read when it closes. */
        private long eventsWritten;

        private Connection(Thread writer, Subscriber subscriber, Transport transport) {
            this.writer = writer;
            this.subscriber = subscriber;
            this.transport = transport;
        }

        /** Brackets a socket write, so a write that blocks too long is cut. */
        public void writing() {
            writingSince = System.nanoTime() | 1;
        }

        public void written(int events) {
            writingSince = 0;
            eventsWritten += events;
            if (events > 0) {
                delivered.get(transport).increment(events);
            }
        }

        /** The events written to the client so far. */
        public long eventsWritten() {
            return eventsWritten;
        }

        @Override
        public void close() {
            if (open.remove(this)) {
                counts.get(transport).decrementAndGet();
                total.decrementAndGet();
                synchronized (open) {
                    open.notifyAll();
                }
            }
        }
    }

    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final Map<Transport, AtomicInteger> counts = new EnumMap<>(Transport.class);
    private final Map<Transport, Counter> delivered = new EnumMap<>(Transport.class);
    private final AtomicInteger total = new AtomicInteger();
    private final int maxConnections;
    private final long writeTimeoutNanos;
    private final ScheduledExecutorService watchdog;
    private final Counter refused;
    private final Counter stalled;
    private final MeterRegistry meters;
    private volatile boolean draining;

    public StreamConnections(long writeTimeoutMs, int maxConnections, MeterRegistry meters) {
        this.writeTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(writeTimeoutMs);
        this.maxConnections = maxConnections;
        this.meters = meters;
        for (Transport transport : Transport.values()) {
            AtomicInteger count = new AtomicInteger();
            counts.put(transport, count);
            Gauge.builder("rewind.edge.connections", count, AtomicInteger::get).tag("transport", transport.tag())
                    .description("open event streams").register(meters);
            delivered.put(transport, Counter.builder("rewind.edge.events.delivered").tag("transport", transport.tag())
                    .description("events written to clients").register(meters));
        }
        this.refused = Counter.builder("rewind.edge.connections.refused")
                .description("streams refused because the edge held sse.max_connections").register(meters);
        this.stalled = Counter.builder("rewind.edge.write.timeouts")
                .description("streams cut because one write blocked longer than sse.write_timeout_ms").register(meters);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("rewind-edge-write-watchdog").daemon(true).factory());
        long every = Math.max(100, Math.min(1000, writeTimeoutMs / 4));
        Counter failures = Counter.builder("rewind.edge.task.failures").tag("task", "write-watchdog")
                .description("exceptions a background loop or task caught, logged and survived").register(meters);
        // a scheduled task that throws is never run again: the watchdog logs, counts and goes on
        watchdog.scheduleWithFixedDelay(() -> {
            try {
                cutStalledWrites();
            } catch (RuntimeException e) { // the next sweep goes on with the other connections
                failures.increment();
                LOG.error("the write watchdog failed; it runs again in {} ms", every, e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** Registers the stream of {@code subscriber} written by {@code writer}; refused while draining or at the limit. */
    public Connection open(Transport transport, Subscriber subscriber, Thread writer) throws DrainingException, FullException {
        if (draining) {
            throw new DrainingException();
        }
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            refused.increment();
            throw new FullException(maxConnections);
        }
        Connection connection = new Connection(writer, subscriber, transport);
        open.add(connection);
        counts.get(transport).incrementAndGet();
        if (draining) {
            // shutdown began between the check and the registration: this stream ends at once
            subscriber.end(Subscriber.Ending.SHUTDOWN);
        }
        return connection;
    }

    public boolean draining() {
        return draining;
    }

    /** True while the edge holds its limit of streams: a WebSocket upgrade is refused before it starts. */
    public boolean full() {
        return total.get() >= maxConnections;
    }

    /** Counts where a stream found its first events, by cursor kind. */
    public void opened(String cursor, SessionFeed.Source source) {
        Counter.builder("rewind.edge.streams.opened").tag("cursor", cursor).tag("source", source.name().toLowerCase())
                .description("streams opened, by cursor and by where their first events came from (resumes: cursor=id)")
                .register(meters).increment();
    }

    private void cutStalledWrites() {
        long now = System.nanoTime();
        for (Connection connection : open) {
            long since = connection.writingSince;
            // a write that blocks too long, or one that blocks while the hub already gave up on this client
            if (since != 0 && (now - since > writeTimeoutNanos || connection.subscriber.ending() == Subscriber.Ending.OVERFLOW)) {
                connection.writingSince = 0;
                stalled.increment();
                try {
                    connection.subscriber.end(Subscriber.Ending.OVERFLOW);
                } finally {
                    connection.writer.interrupt(); // the blocked write is cut whatever ending the subscriber threw
                }
            }
        }
    }

    /**
     * Stops taking streams and ends every open one after what it has queued; waits up to
     * {@code timeout} for them to finish, then cuts the rest.
     */
    public void drain(Duration timeout) {
        draining = true;
        for (Connection connection : open) {
            connection.subscriber.end(Subscriber.Ending.SHUTDOWN);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (open) {
            long remaining;
            while (!open.isEmpty() && (remaining = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(open, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!open.isEmpty()) {
            LOG.info("cutting {} streams that did not end within {}", open.size(), timeout);
            open.forEach(connection -> connection.writer.interrupt());
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
