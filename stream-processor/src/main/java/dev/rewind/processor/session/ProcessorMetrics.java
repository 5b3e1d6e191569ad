package dev.rewind.processor.session;

import dev.rewind.protocol.telemetry.GenAi;
import dev.rewind.protocol.telemetry.GenAiMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The processor's own counters (Kafka Streams' metrics are bound beside them): dead letters by
 * reason, records skipped for an unknown type by topic, and records whose processing threw. Reasons
 * and topics are this code's own words, so the tags stay few. And the GenAI client metric of
 * token usage, per session as the provider reported it ({@link GenAiMeters}).
 */
public final class ProcessorMetrics {

    private final MeterRegistry registry;
    private final Counter processingErrors;
    private final GenAiMeters genAi;

    public ProcessorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.genAi = new GenAiMeters(registry);
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

    /** A session ended: its usage, when the provider sent one, goes into gen_ai.client.token.usage. */
    void sessionEnded(SessionState state) {
        if (state.usage != null) {
            genAi.tokens(state.providerFormat, state.upstream, state.model, GenAi.inputTokens(state.usage),
                    GenAi.outputTokens(state.usage));
        }
    }

    void processingError() {
        processingErrors.increment();
    }
}
