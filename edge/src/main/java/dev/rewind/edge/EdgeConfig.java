package dev.rewind.edge;

import dev.rewind.edge.analytics.AnalyticsSettings;
import dev.rewind.edge.auth.AuthSettings;
import dev.rewind.edge.http.ListenerTls;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.KafkaSettings;
import dev.rewind.protocol.telemetry.TelemetrySettings;
import java.util.List;
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
        Demo demo,
        Store store,
        Sessions sessions,
        Conversations conversations,
        Audit audit,
        RateLimit rateLimit,
        Hub hub,
        Ws ws,
        Shutdown shutdown,
        Timeline timeline,
        AnalyticsSettings analytics,
        Compat compat,
        DurableStreams durableStreams,
        TelemetrySettings telemetry) {

    public EdgeConfig {
        ConfigException.check(kafka != null, "kafka", "section is missing");
        ConfigException.check(topics != null, "topics", "section is missing");
        ConfigException.check(http != null, "http", "section is missing");
        ConfigException.check(auth != null, "auth", "section is missing");
        ConfigException.check(sse != null, "sse", "section is missing");
        ConfigException.check(replay != null, "replay", "section is missing");
        ConfigException.check(demo != null, "demo", "section is missing");
        ConfigException.check(store != null, "store", "section is missing");
        ConfigException.check(sessions != null, "sessions", "section is missing");
        ConfigException.check(conversations != null, "conversations", "section is missing");
        ConfigException.check(audit != null, "audit", "section is missing");
        ConfigException.check(rateLimit != null, "rate_limit", "section is missing");
        ConfigException.check(hub != null, "hub", "section is missing");
        ConfigException.check(ws != null, "ws", "section is missing");
        ConfigException.check(shutdown != null, "shutdown", "section is missing");
        ConfigException.check(timeline != null, "timeline", "section is missing");
        ConfigException.check(analytics != null, "analytics", "section is missing");
        ConfigException.check(compat != null, "compat", "section is missing");
        ConfigException.check(durableStreams != null, "durable_streams", "section is missing");
        ConfigException.check(telemetry != null, "telemetry", "section is missing");
        ConfigException.check(upstreams != null && !upstreams.isEmpty(), "upstreams", "must name at least one upstream");
        ConfigException.check(
                defaultUpstream != null && upstreams.containsKey(defaultUpstream),
                "default_upstream",
                "must name one of the upstreams " + upstreams.keySet() + ", was " + defaultUpstream);
        upstreams = Map.copyOf(upstreams);
    }

    /**
     * The listener. {@code max_request_bytes} bounds every request body, {@code max_header_bytes} its
     * headers; {@code cors_origins} lists the browser origins allowed to read streams from another
     * origin ({@code "*"}: any); {@code tls} turns the listener into HTTPS (off by default).
     */
    public record Http(String host, int port, long maxRequestBytes, int maxHeaderBytes, List<String> corsOrigins,
            ListenerTls tls) {
        public Http {
            tls = tls == null ? ListenerTls.disabled() : tls;
            corsOrigins = corsOrigins == null ? List.of() : List.copyOf(corsOrigins);
            corsOrigins.forEach(origin -> ConfigException.check(origin.equals("*") || origin.matches("https?://[^/\\s]+"),
                    "cors_origins", "entries are \"*\" or scheme://host[:port] without a path, was " + origin));
            ConfigException.check(host != null && !host.isBlank(), "host", "must not be empty");
            ConfigException.check(port >= 0 && port <= 65535, "port", "must be 0..65535 (0 = any free port), was " + port);
            ConfigException.check(maxRequestBytes >= 1024, "max_request_bytes", "must be at least 1024");
            ConfigException.check(maxHeaderBytes >= 1024, "max_header_bytes", "must be at least 1024");
        }
    }

    /** An upstream the edge accepts in {@code POST /v1/sessions}; ingest holds its URL and key. */
    public record UpstreamRef(ProviderFormat format) {
        public UpstreamRef {
            ConfigException.check(format != null, "format", "must name a provider format");
        }
    }

    /**
     * Streams: a {@code retry:} hint with per-connection jitter, a heartbeat comment, the longest wait
     * of one read of Kafka; each connection's queue bound (events and bytes: a client further behind
     * is cut and resumes by id), the longest a write may block, and the longest a stream waits
     * without any event (a client connecting long before its session starts, or {@code from=live}
     * on a finished session). {@code max_connections} bounds every open stream together (SSE,
     * WebSocket, the compat dialects' streams and waiting completions): one more gets 503 with
     * Retry-After, so overload never reaches the open-file limit that {@code /health}, the API and
     * the hub's Kafka sockets share.
     */
    public record Sse(long heartbeatMs, long retryMs, long retryJitterMs, long pollMs, int queueEvents, long queueBytes,
            long writeTimeoutMs, long maxIdleMs, int maxConnections) {
        public Sse {
            ConfigException.check(maxConnections >= 1, "max_connections", "must be at least 1, was " + maxConnections);
            ConfigException.check(queueEvents >= 16, "queue_events", "must be at least 16");
            ConfigException.check(queueBytes >= 16_384, "queue_bytes", "must be at least 16384");
            ConfigException.check(writeTimeoutMs >= 1000, "write_timeout_ms", "must be at least 1000");
            ConfigException.check(maxIdleMs >= heartbeatMs, "max_idle_ms", "must be at least heartbeat_ms");
            ConfigException.check(heartbeatMs >= 1000, "heartbeat_ms", "must be at least 1000");
            ConfigException.check(retryMs >= 100, "retry_ms", "must be at least 100");
            ConfigException.check(retryJitterMs >= 0, "retry_jitter_ms", "must not be negative");
            ConfigException.check(pollMs >= 10 && pollMs <= heartbeatMs, "poll_ms", "must be 10..heartbeat_ms");
        }
    }

    /**
     * Reading a session's past: Kafka's time index at created_at minus {@code skew_margin_ms} (which
     * must cover clock skew between the edge and ingest hosts) finds its first event; {@code readers}
     * pooled consumers serve the reads older than the hub's windows, a stream waits up to
     * {@code acquire_timeout_ms} for one before a 503, and every offsets lookup gives up after
     * {@code metadata_timeout_ms}.
     */
    public record Replay(long skewMarginMs, int readers, long acquireTimeoutMs, long metadataTimeoutMs) {
        public Replay {
            ConfigException.check(skewMarginMs >= 0, "skew_margin_ms", "must not be negative");
            ConfigException.check(readers >= 1 && readers <= 256, "readers", "must be 1..256");
            ConfigException.check(acquireTimeoutMs >= 0 && acquireTimeoutMs <= 60_000, "acquire_timeout_ms",
                    "must be 0..60000, was " + acquireTimeoutMs);
            ConfigException.check(metadataTimeoutMs >= 100 && metadataTimeoutMs <= 60_000, "metadata_timeout_ms",
                    "must be 100..60000, was " + metadataTimeoutMs);
        }
    }

    /**
     * The fan-out hub: each session with local subscribers keeps its last {@code window_events}
     * events (at most {@code window_bytes}) for resumes from memory, and lingers {@code linger_ms}
     * after its last subscriber left (at most {@code linger_sessions} such sessions). Ready means
     * Kafka answered within {@code ready_stale_ms} and the hub is at most {@code ready_max_lag} records behind.
     */
    public record Hub(int windowEvents, long windowBytes, long lingerMs, int lingerSessions, long readyMaxLag, long readyStaleMs) {
        public Hub {
            ConfigException.check(windowEvents >= 1, "window_events", "must be at least 1");
            ConfigException.check(windowBytes >= 1024, "window_bytes", "must be at least 1024");
            ConfigException.check(lingerMs >= 0, "linger_ms", "must not be negative");
            ConfigException.check(lingerSessions >= 0, "linger_sessions", "must not be negative");
            ConfigException.check(readyMaxLag >= 0, "ready_max_lag", "must not be negative");
            ConfigException.check(readyStaleMs >= 2000, "ready_stale_ms", "must be at least 2000");
        }
    }

    /** WebSocket: how long the server waits for the client's resume frame, and its ping interval. */
    public record Ws(long firstFrameMs, long pingMs) {
        public Ws {
            ConfigException.check(firstFrameMs >= 100, "first_frame_ms", "must be at least 100");
            ConfigException.check(pingMs >= 1000, "ping_ms", "must be at least 1000");
        }
    }

    /** Graceful shutdown: how long streams get to end (clients reconnect elsewhere) before they are cut. */
    public record Shutdown(long drainMs) {
        public Shutdown {
            ConfigException.check(drainMs >= 0, "drain_ms", "must not be negative");
        }
    }

    /** Standalone's demo mode: the demo page gets the demo API key pre-filled. Off everywhere else. */
    public record Demo(boolean enabled, String apiKey) {
        public Demo {
            ConfigException.check(!enabled || (apiKey != null && !apiKey.isBlank()), "api_key", "is required when demo is enabled");
        }
    }

    /**
     * The on-disk session store (RocksDB) materialised from the compacted {@code rewind.sessions};
     * {@code dir} is this instance's own (two edges never share one), {@code block_cache_bytes} bounds its read cache.
     */
    public record Store(String dir, long blockCacheBytes) {
        public Store {
            ConfigException.check(dir != null && !dir.isBlank(), "dir", "must name a directory");
            ConfigException.check(blockCacheBytes >= 1 << 20, "block_cache_bytes", "must be at least 1048576");
        }
    }

    /**
     * Session listing and creation: page sizes, how many index entries one page may examine when a
     * status filter skips most of them, and how many recent creations this instance remembers
     * (idempotent retries and reads before the summary arrives).
     */
    public record Sessions(int listDefaultLimit, int listMaxLimit, int listScanBudget, int recentMax) {
        public Sessions {
            ConfigException.check(listMaxLimit >= 1 && listMaxLimit <= 1000, "list_max_limit", "must be 1..1000");
            ConfigException.check(listDefaultLimit >= 1 && listDefaultLimit <= listMaxLimit, "list_default_limit",
                    "must be 1..list_max_limit");
            ConfigException.check(listScanBudget >= listMaxLimit, "list_scan_budget", "must be at least list_max_limit");
            ConfigException.check(recentMax >= 1, "recent_max", "must be at least 1");
        }
    }

    /**
     * Conversation reads: page sizes of {@code GET /v1/conversations} and of the turns of
     * {@code GET /v1/conversations/{id}}; each turn shown costs two record reads (prompt, transcript).
     */
    public record Conversations(int listDefaultLimit, int listMaxLimit, int turnsDefaultLimit, int turnsMaxLimit) {
        public Conversations {
            ConfigException.check(listMaxLimit >= 1 && listMaxLimit <= 1000, "list_max_limit", "must be 1..1000");
            ConfigException.check(listDefaultLimit >= 1 && listDefaultLimit <= listMaxLimit, "list_default_limit",
                    "must be 1..list_max_limit");
            ConfigException.check(turnsMaxLimit >= 1 && turnsMaxLimit <= 200, "turns_max_limit", "must be 1..200");
            ConfigException.check(turnsDefaultLimit >= 1 && turnsDefaultLimit <= turnsMaxLimit, "turns_default_limit",
                    "must be 1..turns_max_limit");
        }
    }

    /**
     * Reads of one session's records (transcript, prompt, upstream bytes): at most
     * {@code max_concurrent_reads} at once (more are refused with 503), each bounded in time, and
     * upstream bytes of one attempt bounded like ingest's {@code max_response_bytes}.
     */
    public record Audit(int maxConcurrentReads, long readTimeoutMs, long maxUpstreamBytes) {
        public Audit {
            ConfigException.check(maxConcurrentReads >= 1, "max_concurrent_reads", "must be at least 1");
            ConfigException.check(readTimeoutMs >= 100, "read_timeout_ms", "must be at least 100");
            ConfigException.check(maxUpstreamBytes >= 1024, "max_upstream_bytes", "must be at least 1024");
        }
    }

    /** Session creation per API key: at most {@code sessions_per_period} in each {@code period_ms}. */
    public record RateLimit(int sessionsPerPeriod, long periodMs) {
        public RateLimit {
            ConfigException.check(sessionsPerPeriod >= 1, "sessions_per_period", "must be at least 1");
            ConfigException.check(periodMs >= 1, "period_ms", "must be at least 1");
        }
    }

    /** {@code GET /v1/sessions/{id}/timeline}: at most {@code max_events} events and about {@code max_bytes} of JSON. */
    public record Timeline(int maxEvents, long maxBytes) {
        public Timeline {
            ConfigException.check(maxEvents >= 1, "max_events", "must be at least 1");
            ConfigException.check(maxBytes >= 16_384, "max_bytes", "must be at least 16384");
        }
    }

    /**
     * The OpenAI-compatible and AI SDK endpoints: how long {@code stream: false} waits for the
     * terminal event, and the model an AI SDK request without {@code model} gets (null:
     * {@code model} is required).
     */
    public record Compat(long completionTimeoutMs, String aiSdkDefaultModel) {
        public Compat {
            ConfigException.check(completionTimeoutMs >= 1000, "completion_timeout_ms", "must be at least 1000");
            ConfigException.check(aiSdkDefaultModel == null || !aiSdkDefaultModel.isBlank(), "ai_sdk_default_model",
                    "must be null or a model name");
        }
    }

    /**
     * {@code /v1/sessions/{id}/stream}, the sessions as Durable Streams: a catch-up read answers at
     * most {@code max_messages} messages, and a long-poll waits up to {@code long_poll_timeout_ms}.
     */
    public record DurableStreams(int maxMessages, long longPollTimeoutMs) {
        public DurableStreams {
            ConfigException.check(maxMessages >= 1, "max_messages", "must be at least 1");
            ConfigException.check(longPollTimeoutMs >= 100 && longPollTimeoutMs <= 300_000, "long_poll_timeout_ms",
                    "must be between 100 and 300000");
        }
    }
}
