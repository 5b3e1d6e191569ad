package dev.rewind.protocol.telemetry;

import dev.rewind.protocol.config.ConfigException;
import java.net.URI;

/**
 * The {@code telemetry} section of a service's config. Traces are exported over OTLP to
 * {@code endpoint}; empty leaves tracing off unless {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or the
 * traces-only variant) is set. Prompt and completion text is exported only with
 * {@code capture_content: true}: it is the customer's data.
 */
public record TelemetrySettings(String endpoint, boolean captureContent) {
    public TelemetrySettings {
        endpoint = endpoint == null ? "" : endpoint.strip();
        ConfigException.check(endpoint.isEmpty() || isHttpUrl(endpoint), "endpoint",
                "must be empty (off) or an http(s) URL such as http://localhost:4318 (OTLP over HTTP, the SDK default), was '" + endpoint + "'");
    }

    /** Tracing off, content never captured: what tests and tools that trace nothing use. */
    public static TelemetrySettings off() {
        return new TelemetrySettings("", false);
    }

    private static boolean isHttpUrl(String text) {
        try {
            URI uri = URI.create(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
