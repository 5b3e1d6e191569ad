package dev.rewind.edge;

import dev.rewind.edge.auth.AuthSettings;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.KafkaSettings;
import java.util.Map;

/** The edge's configuration; defaults in {@code edge-defaults.yaml}. */
public record EdgeConfig(
        KafkaSettings kafka,
        TopicSettings topics,
        Http http,
        AuthSettings auth,
        Map<String, UpstreamRef> upstreams,
        String defaultUpstream,
        Sse sse,
        Replay replay,
        Demo demo) {

    public EdgeConfig {
        ConfigException.check(kafka != null, "kafka", "section is missing");
        ConfigException.check(topics != null, "topics", "section is missing");
        ConfigException.check(http != null, "http", "section is missing");
        ConfigException.check(auth != null, "auth", "section is missing");
        ConfigException.check(sse != null, "sse", "section is missing");
        ConfigException.check(replay != null, "replay", "section is missing");
        ConfigException.check(demo != null, "demo", "section is missing");
        ConfigException.check(upstreams != null && !upstreams.isEmpty(), "upstreams", "must name at least one upstream");
        ConfigException.check(
                defaultUpstream != null && upstreams.containsKey(defaultUpstream),
                "default_upstream",
                "must name one of the upstreams " + upstreams.keySet() + ", was " + defaultUpstream);
        upstreams = Map.copyOf(upstreams);
    }

    /** The listener. {@code max_request_bytes} bounds every request body. */
    public record Http(String host, int port, long maxRequestBytes) {
        public Http {
            ConfigException.check(host != null && !host.isBlank(), "host", "must not be empty");
            ConfigException.check(port >= 0 && port <= 65535, "port", "must be 0..65535 (0 = any free port), was " + port);
            ConfigException.check(maxRequestBytes >= 1024, "max_request_bytes", "must be at least 1024");
        }
    }

    /** An upstream the edge accepts in {@code POST /v1/sessions}; ingest holds its URL and key. */
    public record UpstreamRef(ProviderFormat format) {
        public UpstreamRef {
            ConfigException.check(format != null, "format", "must name a provider format");
        }
    }

    /** SSE timing: a {@code retry:} hint with per-connection jitter, and a heartbeat comment. */
    public record Sse(long heartbeatMs, long retryMs, long retryJitterMs, long pollMs) {
        public Sse {
            ConfigException.check(heartbeatMs >= 1000, "heartbeat_ms", "must be at least 1000");
            ConfigException.check(retryMs >= 100, "retry_ms", "must be at least 100");
            ConfigException.check(retryJitterMs >= 0, "retry_jitter_ms", "must not be negative");
            ConfigException.check(pollMs >= 10 && pollMs <= heartbeatMs, "poll_ms", "must be 10..heartbeat_ms");
        }
    }

    /**
     * Finding a session's first event: Kafka's time index at created_at minus {@code skew_margin_ms},
     * which must cover clock skew between the edge and ingest hosts.
     */
    public record Replay(long skewMarginMs) {
        public Replay {
            ConfigException.check(skewMarginMs >= 0, "skew_margin_ms", "must not be negative");
        }
    }

    /** Standalone's demo mode: the demo page gets the demo API key pre-filled. Off everywhere else. */
    public record Demo(boolean enabled, String apiKey) {
        public Demo {
            ConfigException.check(!enabled || (apiKey != null && !apiKey.isBlank()), "api_key", "is required when demo is enabled");
        }
    }
}
