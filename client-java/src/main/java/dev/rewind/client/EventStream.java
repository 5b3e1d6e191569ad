package dev.rewind.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A session's events as a blocking iterator: {@code hasNext()} waits for the next new event and
 * answers false after the terminal one; a failure the client cannot recover from is thrown as
 * {@link RewindClientException}. Events are read ahead into a bounded queue; when it is full the
 * reader stops reading the socket (the edge then drops a client that falls too far behind, and the
 * client resumes by id). Close it to stop early.
 */
public final class EventStream implements Iterator<SessionEvent>, AutoCloseable {

    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private final EventFollower follower;
    private SessionEvent next;
    private boolean finished;
    private volatile boolean followerExited;
    private String lastEventId;

    EventStream(RewindClient.Settings settings, java.util.concurrent.ScheduledExecutorService watchdog, Session session,
            String from, java.net.http.HttpClient http) {
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.follower = new EventFollower(settings, watchdog, http, session, from, new EventFollower.Sink() {
            @Override
            public void event(SessionEvent event) throws InterruptedException {
                queue.put(event);
            }

            @Override
            public void end() throws InterruptedException {
                queue.put(END);
            }

            @Override
            public void fail(RewindClientException error) throws InterruptedException {
                queue.put(error);
            }
        });
        this.lastEventId = from;
    }

    /** Called when the follower stopped, also without an end (the client was closed): no waiting forever then. */
    void followerExited() {
        followerExited = true;
        queue.offer(END);
    }

    /** The follower feeding this stream; the client starts it. */
    EventFollower follower() {
        return follower;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (finished) {
            return false;
        }
        Object item;
        try {
            item = queue.poll(1, TimeUnit.SECONDS);
            while (item == null && !followerExited) {
                item = queue.poll(1, TimeUnit.SECONDS);
            }
            if (item == null) {
                item = queue.isEmpty() ? END : queue.take();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new RewindClientException("interrupted", "interrupted while waiting for the next event");
        }
        if (item == END) {
            finished = true;
            return false;
        }
        if (item instanceof RewindClientException error) {
            finished = true;
            throw error;
        }
        next = (SessionEvent) item;
        return true;
    }

    @Override
    public SessionEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the session has ended");
        }
        SessionEvent event = next;
        next = null;
        lastEventId = event.id() != null ? event.id() : lastEventId;
        return event;
    }

    /** The SSE id of the last event returned by {@link #next()}: where to resume later. */
    public String lastEventId() {
        return lastEventId;
    }

    /** The remaining events as a sequential stream (closing it closes this). */
    public Stream<SessionEvent> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    /** Stops reading; generation goes on (a disconnect never cancels it). */
    @Override
    public void close() {
        follower.close();
        finished = true;
    }
}
