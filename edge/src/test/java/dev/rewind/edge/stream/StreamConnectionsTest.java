package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.hub.Subscriber;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Graceful shutdown and the write watchdog, without sockets: streams are told to end, new ones refused, stuck writers cut. */
class StreamConnectionsTest {

    @Test
    void drainingEndsOpenStreamsRefusesNewOnesAndCutsWritersThatDoNotFinish() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (StreamConnections connections = new StreamConnections(60_000, 100, meters)) {
            Subscriber polite = new Subscriber("a", 16, 65_536);
            StreamConnections.Connection politeConnection = connections.open(StreamConnections.Transport.SSE, polite, Thread.currentThread());
            Subscriber stuck = new Subscriber("b", 16, 65_536);
            CountDownLatch registered = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            Thread writer = stuckWriter(connections, StreamConnections.Transport.WS, stuck, registered, interrupted);
            registered.await();
            // the polite stream ends as soon as it is told to
            Thread.ofVirtual().start(() -> {
                await().atMost(Duration.ofSeconds(10)).until(() -> polite.ending() == Subscriber.Ending.SHUTDOWN);
                politeConnection.close();
            });
            connections.drain(Duration.ofMillis(500));

            assertThat(connections.draining()).isTrue();
            assertThat(polite.ending()).isEqualTo(Subscriber.Ending.SHUTDOWN);
            assertThat(stuck.ending()).isEqualTo(Subscriber.Ending.SHUTDOWN);
            writer.join(10_000);
            assertThat(interrupted).isTrue();
            assertThatThrownBy(() -> connections.open(StreamConnections.Transport.SSE, new Subscriber("c", 16, 65_536), Thread.currentThread()))
                    .isInstanceOf(StreamConnections.DrainingException.class);
            assertThat(meters.get("rewind.edge.connections").tag("transport", "sse").gauge().value()).isZero();
            assertThat(meters.get("rewind.edge.connections").tag("transport", "ws").gauge().value()).isZero();
        }
    }

    @Test
    void everyTransportCountsTowardsOneLimitAndAClosedStreamFreesItsPlace() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (StreamConnections connections = new StreamConnections(60_000, 3, meters)) {
            StreamConnections.Connection sse = connections.open(StreamConnections.Transport.SSE, new Subscriber("a", 16, 65_536),
                    Thread.currentThread());
            connections.open(StreamConnections.Transport.WS, new Subscriber("b", 16, 65_536), Thread.currentThread());
            connections.open(StreamConnections.Transport.COMPAT, new Subscriber("c", 16, 65_536), Thread.currentThread());
            assertThat(connections.full()).isTrue();
            assertThatThrownBy(() -> connections.open(StreamConnections.Transport.COMPLETION, new Subscriber("d", 16, 65_536),
                    Thread.currentThread())).isInstanceOf(StreamConnections.FullException.class)
                    .hasMessageContaining("sse.max_connections");
            assertThat(meters.counter("rewind.edge.connections.refused").count()).isEqualTo(1);
            assertThat(meters.get("rewind.edge.connections").tag("transport", "compat").gauge().value()).isEqualTo(1);

            sse.close();
            sse.close(); // a second close frees nothing more
            assertThat(connections.full()).isFalse();
            connections.open(StreamConnections.Transport.COMPLETION, new Subscriber("d", 16, 65_536), Thread.currentThread());
            assertThatThrownBy(() -> connections.open(StreamConnections.Transport.SSE, new Subscriber("e", 16, 65_536),
                    Thread.currentThread())).isInstanceOf(StreamConnections.FullException.class);
        }
    }

    @Test
    void aWriteBlockedLongerThanTheTimeoutIsCut() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (StreamConnections connections = new StreamConnections(1_000, 100, meters)) {
            Subscriber subscriber = new Subscriber("a", 16, 65_536);
            AtomicBoolean interrupted = new AtomicBoolean();
            Thread writer = stuckWriter(connections, StreamConnections.Transport.SSE, subscriber, new CountDownLatch(1), interrupted);
            writer.join(20_000);
            assertThat(interrupted).isTrue();
            assertThat(subscriber.ending()).isEqualTo(Subscriber.Ending.OVERFLOW);
            assertThat(meters.counter("rewind.edge.write.timeouts").count()).isEqualTo(1);
        }
    }

    @Test
    void eachStalledWriteIsCutEvenWhenEndingItsSubscriberThrowsAndTheFailureIsCounted() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (StreamConnections connections = new StreamConnections(200, 100, meters)) {
            List<AtomicBoolean> cut = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            for (String id : List.of("a", "b")) {
                Subscriber throwing = new Subscriber(id, 16, 65_536) {
                    @Override
                    public void end(Ending why) {
                        throw new IllegalStateException("this subscriber's ending fails");
                    }
                };
                AtomicBoolean interrupted = new AtomicBoolean();
                cut.add(interrupted);
                writers.add(stuckWriter(connections, StreamConnections.Transport.SSE, throwing, new CountDownLatch(1), interrupted));
            }
            for (Thread writer : writers) {
                writer.join(20_000);
            }
            assertThat(cut).allSatisfy(interrupted -> assertThat(interrupted).as("the stalled write was cut").isTrue());
            assertThat(meters.counter("rewind.edge.write.timeouts").count()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(meters.get("rewind.edge.task.failures").tag("task", "write-watchdog").counter().count())
                            .isEqualTo(2));
        }
    }

    /** A stream whose one write never returns, as on a socket whose client stopped reading; notes its interruption. */
    private static Thread stuckWriter(StreamConnections connections, StreamConnections.Transport transport, Subscriber subscriber,
            CountDownLatch registered, AtomicBoolean interrupted) {
        return Thread.ofVirtual().start(() -> {
            try (StreamConnections.Connection connection = connections.open(transport, subscriber, Thread.currentThread())) {
                registered.countDown();
                connection.writing();
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            } catch (StreamConnections.DrainingException | StreamConnections.FullException e) {
                throw new AssertionError(e);
            }
        });
    }
}
