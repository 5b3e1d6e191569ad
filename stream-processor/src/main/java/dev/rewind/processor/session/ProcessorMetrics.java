package dev.rewind.processor.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The processor's own counters (Kafka Streams' metrics are bound beside them): dead letters by
 * reason, records skipped for an unknown type by topic, and records whose processing threw. Reasons
 * and topics are this code's own words, so the tags stay few.
 */
public final class ProcessorMetrics {

    private final MeterRegistry registry;
    private final Counter processingErrors;

    public ProcessorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.processingErrors = Counter.builder("rewind.processor.processing.errors")
                .description("records whose processing threw (dead-lettered; the session warned or ended)").register(registry);
    }

    void deadLetter(String reason) {
        Counter.builder("rewind.processor.dead.letters").description("records written to the DLQ, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    void skipped(String topic) {
        Counter.builder("rewind.processor.skipped.records").description("records of a type this version does not know, skipped")
                .tag("topic", topic).register(registry).increment();
    }

    void processingError() {
        processingErrors.increment();
    }
}
