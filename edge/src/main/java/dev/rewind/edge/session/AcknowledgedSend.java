package dev.rewind.edge.session;

import dev.rewind.edge.http.ProblemException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes one record and waits for Kafka's acknowledgement, so a 2xx answer means it is durable; else 503. */
final class AcknowledgedSend {

    private static final Logger LOG = LoggerFactory.getLogger(AcknowledgedSend.class);
    private static final long TIMEOUT_MS = 10_000;

    private AcknowledgedSend() {}

    static <V> void send(Producer<String, V> producer, String topic, String sessionId, V value, String what) {
        try {
            producer.send(new ProducerRecord<>(topic, sessionId, value)).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot write {} of session {} to {}: {}", what, sessionId, topic, e.toString());
        }
        throw ProblemException.unavailable("the " + what + " could not be stored; try again shortly", 5);
    }
}
