package dev.rewind.ingest;

import dev.rewind.ingest.retry.BreakerSettings;
import dev.rewind.ingest.retry.RetrySettings;
import dev.rewind.ingest.upstream.UpstreamConfig;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.KafkaSettings;
import dev.rewind.protocol.ops.OpsSettings;
import dev.rewind.protocol.telemetry.TelemetrySettings;
import java.util.Map;

/** The ingest worker's configuration; defaults in {@code ingest-defaults.yaml}. */
public record IngestConfig(
        KafkaSettings kafka,
        TopicSettings topics,
        String groupId,
        int maxConcurrentStreams,
        int readBufferBytes,
        long connectTimeoutMs,
        long responseTimeoutMs,
        long stallTimeoutMs,
        long maxSessionDurationMs,
        long maxResponseBytes,
        int producerLingerMs,
        long producerBufferBytes,
        long producerDeliveryTimeoutMs,
        RetrySettings retry,
        BreakerSettings circuitBreaker,
        Cancels cancels,
        History history,
        Queue queue,
        Map<String, UpstreamConfig> upstreams,
        OpsSettings ops,
        TelemetrySettings telemetry) {

    /**
     * Start requests read while every stream slot is taken wait in the worker's queue: at most
     * {@code maxSessions} requests and {@code maxBytes} of them (then the consumer pauses and the rest
     * wait in Kafka); each queued session is told its position every {@code statusIntervalMs}.
     */
    public record Queue(int maxSessions, long maxBytes, long statusIntervalMs) {
        public Queue {
            ConfigException.check(maxSessions >= 1, "queue.max_sessions", "must be at least 1");
            ConfigException.check(maxBytes >= 1 << 20, "queue.max_bytes", "must be at least 1048576");
            ConfigException.check(statusIntervalMs >= 100, "queue.status_interval_ms", "must be at least 100");
        }
    }

    /** Cancels that arrive before their start are remembered: at most {@code pendingMax}, for {@code pendingTtlMs}. */
    public record Cancels(int pendingMax, long pendingTtlMs) {
        public Cancels {
            ConfigException.check(pendingMax >= 1, "pending_max", "must be at least 1");
            ConfigException.check(pendingTtlMs >= 1000, "pending_ttl_ms", "must be at least 1000");
        }
    }

    /**
     * On taking over request partitions, the worker reads the chunk markers of the last
     * {@code lookbackMs} to skip sessions that ended and continue attempt numbers; it remembers at
     * most {@code maxSessions}.
     */
    public record History(long lookbackMs, int maxSessions) {
        public History {
            ConfigException.check(lookbackMs >= 60_000, "lookback_ms", "must be at least 60000");
            ConfigException.check(maxSessions >= 1000, "max_sessions", "must be at least 1000");
        }
    }

    /** The chunk producer's {@code request.timeout.ms}: at most 30 s, and within the delivery timeout after the linger. */
    public int producerRequestTimeoutMs() {
        return (int) Math.min(30_000L, producerDeliveryTimeoutMs - producerLingerMs);
    }

    public IngestConfig {
        ConfigException.check(kafka != null, "kafka", "section is missing");
        ConfigException.check(topics != null, "topics", "section is missing");
        ConfigException.check(groupId != null && !groupId.isBlank(), "group_id", "must not be empty");
        ConfigException.check(maxConcurrentStreams >= 1, "max_concurrent_streams", "must be at least 1");
        ConfigException.check(
                readBufferBytes >= 256 && readBufferBytes <= 1 << 20, "read_buffer_bytes", "must be 256..1048576");
        ConfigException.check(connectTimeoutMs >= 100, "connect_timeout_ms", "must be at least 100");
        ConfigException.check(responseTimeoutMs >= 100, "response_timeout_ms", "must be at least 100");
        ConfigException.check(stallTimeoutMs >= 100, "stall_timeout_ms", "must be at least 100");
        ConfigException.check(maxSessionDurationMs >= 1000, "max_session_duration_ms", "must be at least 1000");
        ConfigException.check(maxResponseBytes >= 1024, "max_response_bytes", "must be at least 1024");
        ConfigException.check(producerLingerMs >= 0 && producerLingerMs <= 1000, "producer_linger_ms", "must be 0..1000");
        ConfigException.check(
                producerBufferBytes >= 1 << 20, "producer_buffer_bytes", "must be at least 1048576");
        ConfigException.check(
                producerDeliveryTimeoutMs >= 1000, "producer_delivery_timeout_ms", "must be at least 1000");
        // Kafka refuses delivery.timeout.ms < linger.ms + request.timeout.ms at producer start-up with a
        // raw stack trace; the request timeout is derived from the two keys, which must leave it a second
        ConfigException.check(producerDeliveryTimeoutMs >= producerLingerMs + 1000L, "producer_delivery_timeout_ms",
                "must be at least producer_linger_ms + 1000 (it covers the linger and at least one 1 s request)");
        ConfigException.check(retry != null, "retry", "section is missing");
        ConfigException.check(circuitBreaker != null, "circuit_breaker", "section is missing");
        ConfigException.check(cancels != null, "cancels", "section is missing");
        ConfigException.check(history != null, "history", "section is missing");
        ConfigException.check(queue != null, "queue", "section is missing");
        ConfigException.check(ops != null, "ops", "section is missing");
        ConfigException.check(telemetry != null, "telemetry", "section is missing");
        ConfigException.check(history.lookbackMs() >= maxSessionDurationMs, "history.lookback_ms",
                "must be at least max_session_duration_ms, or a takeover could miss a session's end");
        ConfigException.check(upstreams != null && !upstreams.isEmpty(), "upstreams", "must name at least one upstream");
        upstreams = Map.copyOf(upstreams);
    }
}
