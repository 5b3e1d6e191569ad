package dev.rewind.analytics.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.rewind.protocol.usage.Cost;
import dev.rewind.protocol.usage.TokenUsage;

/**
 * What one session contributes to its upstream and model's numbers, at event time {@code at} (epoch
 * millis of the event it comes from): a {@link Started} at its {@code start} event and a
 * {@link Finished} at its terminal event. Facts are keyed by series, so they cross a repartition topic.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = SessionFact.Started.class, name = "started"),
    @JsonSubTypes.Type(value = SessionFact.Finished.class, name = "finished")
})
public sealed interface SessionFact {

    String upstream();

    String model();

    long at();

    record Started(String upstream, String model, long at) implements SessionFact {}

    /**
     * {@code ttftMs} is absent when the session produced no output; {@code generationMs} when it had no
     * token after its last reset; {@code errorCode} unless it ended with an error; {@code usage} and
     * {@code cost} (the terminal event's, every attempt included) when the processor reported them.
     */
    record Finished(
            String upstream,
            String model,
            long at,
            Outcome outcome,
            long tokens,
            long discardedTokens,
            Long ttftMs,
            long durationMs,
            Long generationMs,
            int retries,
            int resets,
            String errorCode,
            TokenUsage usage,
            Cost cost)
            implements SessionFact {}

    enum Outcome {
        DONE,
        ERROR,
        CANCELLED
    }
}
