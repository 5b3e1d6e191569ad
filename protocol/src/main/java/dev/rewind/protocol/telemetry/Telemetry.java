package dev.rewind.protocol.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's tracing: the OpenTelemetry SDK built from the standard {@code OTEL_*} variables and
 * the {@code telemetry} section, or the no-op API when no endpoint is set (then a span costs a
 * method call and nothing is exported). Each service keeps its own instance rather than the global
 * one, so several services in one process (standalone, tests) export under their own names.
 */
public final class Telemetry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    private static final String INSTRUMENTATION = "dev.rewind";

    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;
    private final boolean captureContent;
    private final boolean enabled;

    private Telemetry(OpenTelemetry openTelemetry, boolean captureContent, boolean enabled) {
        this.openTelemetry = openTelemetry;
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
        this.captureContent = captureContent;
        this.enabled = enabled;
    }

    /** No tracing: spans are no-ops, nothing is exported, no content captured. */
    public static Telemetry off() {
        return new Telemetry(OpenTelemetry.noop(), false, false);
    }

    /** Tracing into a given SDK (tests hand in one with an in-memory exporter). */
    public static Telemetry of(OpenTelemetry openTelemetry, boolean captureContent) {
        return new Telemetry(openTelemetry, captureContent, true);
    }

    /**
     * Tracing for {@code service} ({@code rewind-ingest}, …) as {@code settings} and {@code env} say:
     * off unless {@code telemetry.endpoint} or an OTLP endpoint variable is set; {@code OTEL_*}
     * variables win over the section (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_EXPORTER_OTLP_HEADERS, …).
     */
    public static Telemetry start(String service, TelemetrySettings settings, Map<String, String> env) {
        boolean endpointInEnv = hasText(env.get("OTEL_EXPORTER_OTLP_ENDPOINT")) || hasText(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        if (settings.endpoint().isEmpty() && !endpointInEnv) {
            return off();
        }
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", service);
        // traces only: metrics stay on each service's Prometheus /metrics, logs in its log
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        if (!settings.endpoint().isEmpty()) {
            defaults.put("otel.exporter.otlp.endpoint", settings.endpoint());
        }
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults)
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        LOG.info("{}: tracing on, exported over OTLP{}", service, settings.captureContent() ? " with prompt and completion content" : "");
        return new Telemetry(sdk, settings.captureContent(), true);
    }

    public Tracer tracer() {
        return tracer;
    }

    /** Whether prompt and completion text may go into span attributes and events ({@code telemetry.capture_content}). */
    public boolean captureContent() {
        return captureContent;
    }

    /** Whether spans are recorded at all; callers skip work that only feeds attributes when not. */
    public boolean enabled() {
        return enabled;
    }

    /** Flushes and stops the exporter (a no-op when tracing is off). */
    @Override
    public void close() {
        if (openTelemetry instanceof OpenTelemetrySdk sdk) {
            sdk.close();
        }
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }
}
