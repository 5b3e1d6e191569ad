package dev.rewind.bench.ingest;

import dev.rewind.protocol.ChunkRecord;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Wraps ingest's chunk producer to measure, for every chunk record, the time from the upstream read
 * (the chunk's {@code received_at}, taken by ingest right after the read returned) to Kafka's
 * acknowledgement (the send callback), in microseconds. A dynamic proxy, because only
 * {@code send(record, callback)} is of interest among the producer's many methods.
 */
final class ReadToAckRecorder {

    /** Up to a minute, three significant digits. */
    private final Recorder recorder = new Recorder(Duration.ofMinutes(1).toNanos() / 1000, 3);
    private final LongAdder acked = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile boolean measuring;

    @SuppressWarnings("unchecked")
    Producer<String, ChunkRecord> instrument(Producer<String, ChunkRecord> producer) {
        return (Producer<String, ChunkRecord>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
                new Class<?>[] {Producer.class}, (proxy, method, args) -> {
                    if (isSendWithCallback(method) && ((ProducerRecord<?, ?>) args[0]).value() instanceof ChunkRecord.Chunk chunk) {
                        args = new Object[] {args[0], timed(chunk.receivedAt(), (Callback) args[1])};
                    }
                    try {
                        return method.invoke(producer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static boolean isSendWithCallback(Method method) {
        return method.getName().equals("send") && method.getParameterCount() == 2;
    }

    private Callback timed(Instant readAt, Callback next) {
        return (metadata, error) -> {
            if (measuring) {
                if (error == null) {
                    Duration took = Duration.between(readAt, Instant.now());
                    recorder.recordValue(Math.max(0, took.toNanos() / 1000));
                    acked.increment();
                } else {
                    failed.increment();
                }
            }
            if (next != null) {
                next.onCompletion(metadata, error);
            }
        };
    }

    /** From now on, acknowledgements count (the warm-up is over). */
    void startMeasuring() {
        recorder.reset();
        acked.reset();
        failed.reset();
        measuring = true;
    }

    void stopMeasuring() {
        measuring = false;
    }

    /** The acknowledgements since the last call. */
    Histogram interval() {
        return recorder.getIntervalHistogram();
    }

    long acked() {
        return acked.sum();
    }

    long failed() {
        return failed.sum();
    }
}
