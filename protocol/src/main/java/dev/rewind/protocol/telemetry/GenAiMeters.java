package dev.rewind.protocol.telemetry;

import dev.rewind.protocol.ProviderFormat;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenTelemetry GenAI client metrics, on a service's Micrometer registry (so on its Prometheus
 * {@code /metrics}): {@code gen_ai.client.operation.duration} and the time to the first chunk per
 * upstream attempt (ingest), {@code gen_ai.client.token.usage} per session (the processor, which
 * reads the provider's usage). Tagged by provider, upstream and request model; the model is the
 * caller's word, so at most {@value #MAX_MODELS} distinct ones are tags, later ones count as
 * {@code other}, and a caller cannot grow the scrape without bound.
 */
public final class GenAiMeters {

    public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    public static final String TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";
    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    static final int MAX_MODELS = 100;
    static final String OTHER_MODEL = "other";

    private final MeterRegistry registry;
    private final Set<String> models = ConcurrentHashMap.newKeySet();

    public GenAiMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One upstream call ended after {@code took}; {@code errorType} is its failure code, or null when it completed. */
    public void operation(ProviderFormat format, String upstream, String model, String errorType, Duration took) {
        Timer.builder(OPERATION_DURATION).description("duration of upstream GenAI calls (one per attempt, streaming to the end)")
                .tags(tags(format, upstream, model)).tag(GenAi.ERROR_TYPE.getKey(), errorType == null ? "none" : errorType)
                .register(registry).record(took);
    }

    /** The first bytes of an upstream stream came {@code took} after the call began. */
    public void firstChunk(ProviderFormat format, String upstream, String model, Duration took) {
        Timer.builder(TIME_TO_FIRST_CHUNK).description("time from an upstream GenAI call to its first streamed bytes")
                .tags(tags(format, upstream, model)).register(registry).record(took);
    }

    /** A session's usage as its provider reported it; a count below zero (unknown) is not recorded. */
    public void tokens(ProviderFormat format, String upstream, String model, long input, long output) {
        if (input >= 0) {
            usage(format, upstream, model, "input").record(input);
        }
        if (output >= 0) {
            usage(format, upstream, model, "output").record(output);
        }
    }

    private DistributionSummary usage(ProviderFormat format, String upstream, String model, String type) {
        return DistributionSummary.builder(TOKEN_USAGE).description("tokens per GenAI session, as the provider counted them")
                .baseUnit("tokens").tags(tags(format, upstream, model)).tag("gen_ai.token.type", type).register(registry);
    }

    private Tags tags(ProviderFormat format, String upstream, String model) {
        return Tags.of(GenAi.OPERATION_NAME.getKey(), GenAi.CHAT,
                GenAi.PROVIDER_NAME.getKey(), format == null ? "unknown" : GenAi.providerName(format),
                GenAi.UPSTREAM.getKey(), upstream == null ? "unknown" : upstream,
                GenAi.REQUEST_MODEL.getKey(), boundedModel(model));
    }

    private String boundedModel(String model) {
        if (model == null || model.isEmpty()) {
            return "unknown";
        }
        if (models.contains(model)) {
            return model;
        }
        if (models.size() < MAX_MODELS && models.add(model)) {
            return model;
        }
        return models.contains(model) ? model : OTHER_MODEL;
    }
}
