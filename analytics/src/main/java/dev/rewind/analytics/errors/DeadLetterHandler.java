package dev.rewind.analytics.errors;

import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Analytics' answer to a record it cannot read or whose processing throws: Kafka Streams' own
 * handler (KIP-1033) with its dead-letter records (KIP-1034), written in the same transaction as the
 * task's output, in Rewind's {@link DeadLetter} shape on {@code rewind.chunks.dlq} (Kafka's built-in
 * DLQ writes the raw record with exception headers instead). The task always goes on. Token events
 * are decoded by the topology's first step ({@link TokenDecoding}), which throws
 * {@link UnreadableRecordException} for one it cannot read; a deserializer failing instead (a key,
 * say) reaches the deserialization handler, which dead-letters it the same way. Analytics writes no
 * session events, so there is no session to warn.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {

    /** The Streams config entry that carries the {@link MeterRegistry} to count in (an object, not a string). */
    public static final String REGISTRY_CONFIG = "rewind.analytics.meter.registry";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private MeterRegistry registry = new SimpleMeterRegistry();

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(REGISTRY_CONFIG) instanceof MeterRegistry given) {
            registry = given;
        }
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
            ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (unknownTypeOf(exception) != null) {
            skipped(context, unknownTypeOf(exception));
            return DeserializationExceptionHandler.Response.resume();
        }
        LOG.warn("dead-lettering an unreadable {} record at {}-{}@{}: {}", context.topic(), context.topic(),
                context.partition(), context.offset(), exception.toString());
        return DeserializationExceptionHandler.Response.resume(deadLetter(context, "unreadable-record", excerpt(record.value())));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (exception instanceof UnknownTypeException) {
            skipped(context, exception.getMessage());
            return ProcessingExceptionHandler.Response.resume();
        }
        if (exception instanceof UnreadableRecordException) {
            LOG.warn("dead-lettering an unreadable {} record at {}-{}@{}: {}", context.topic(), context.topic(),
                    context.partition(), context.offset(), exception.getMessage());
            return ProcessingExceptionHandler.Response.resume(
                    deadLetter(context, "unreadable-record", excerpt(context.sourceRawValue())));
        }
        String reason = exception instanceof UnreadableStateException ? "unreadable-state" : "processing-error";
        LOG.error("dead-lettering a record of {}-{}@{} whose processing in {} threw; the task goes on", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), exception);
        Counter.builder("rewind.analytics.processing.errors").description("records whose processing threw (dead-lettered)")
                .register(registry).increment();
        return ProcessingExceptionHandler.Response.resume(
                deadLetter(context, reason, exception.getClass().getName() + ": " + exception.getMessage()));
    }

    private void skipped(ErrorHandlerContext context, String what) {
        Counter.builder("rewind.analytics.skipped.records").description("records of a type this version does not know, skipped")
                .tag("topic", context.topic()).register(registry).increment();
        LOG.debug("skipping a {} record of {}", context.topic(), what);
    }

    private List<ProducerRecord<byte[], byte[]>> deadLetter(ErrorHandlerContext context, String reason, String excerpt) {
        Counter.builder("rewind.analytics.dead.letters").description("records written to the DLQ, by reason")
                .tag("reason", reason).register(registry).increment();
        byte[] key = context.sourceRawKey();
        String sessionId = key == null ? null : new String(key, StandardCharsets.UTF_8);
        DeadLetter letter = new DeadLetter(sessionId, context.topic(), context.partition(), context.offset(), reason, excerpt,
                Instant.ofEpochMilli(context.timestamp()));
        return List.of(new ProducerRecord<>(Topics.CHUNKS_DLQ, null, context.timestamp(), key,
                Serdes.DEAD_LETTER.serialize(Topics.CHUNKS_DLQ, letter)));
    }

    private static String unknownTypeOf(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidTypeIdException invalid) {
                return invalid.getTypeId();
            }
        }
        return null;
    }

    private static String excerpt(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, 0, Math.min(bytes.length, DeadLetter.MAX_EXCERPT), StandardCharsets.UTF_8);
    }
}
