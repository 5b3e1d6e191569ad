package dev.rewind.edge.session;

import dev.rewind.edge.http.ProblemException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes one record and waits for Kafka's acknowledgement, so a 2xx answer means it is durable; else 503. */
final class AcknowledgedSend {

    private static final Logger LOG = LoggerFactory.getLogger(AcknowledgedSend.class);
    private static final long TIMEOUT_MS = 10_000;

    private AcknowledgedSend() {}

    static <V> void send(Producer<String, V> producer, String topic, String sessionId, V value, String what) {
        send(producer, topic, sessionId, value, null, what);
    }

    /** As above, the record carrying {@code headers} (null: none). */
    static <V> void send(Producer<String, V> producer, String topic, String sessionId, V value, List<Header> headers,
            String what) {
        try {
            producer.send(new ProducerRecord<>(topic, null, sessionId, value, headers)).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot write {} of session {} to {}: {}", what, sessionId, topic, e.toString());
        }
        throw ProblemException.unavailable("the " + what + " could not be stored; try again shortly", 5);
    }
}
