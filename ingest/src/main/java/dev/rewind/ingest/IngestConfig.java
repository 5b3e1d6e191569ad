package dev.rewind.ingest;

import dev.rewind.ingest.upstream.UpstreamConfig;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.KafkaSettings;
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
        long maxSessionDurationMs,
        long maxResponseBytes,
        int producerLingerMs,
        long producerBufferBytes,
        long producerDeliveryTimeoutMs,
        Map<String, UpstreamConfig> upstreams) {

    public IngestConfig {
        ConfigException.check(kafka != null, "kafka", "section is missing");
        ConfigException.check(topics != null, "topics", "section is missing");
        ConfigException.check(groupId != null && !groupId.isBlank(), "group_id", "must not be empty");
        ConfigException.check(maxConcurrentStreams >= 1, "max_concurrent_streams", "must be at least 1");
        ConfigException.check(
                readBufferBytes >= 256 && readBufferBytes <= 1 << 20, "read_buffer_bytes", "must be 256..1048576");
        ConfigException.check(connectTimeoutMs >= 100, "connect_timeout_ms", "must be at least 100");
        ConfigException.check(responseTimeoutMs >= 100, "response_timeout_ms", "must be at least 100");
        ConfigException.check(maxSessionDurationMs >= 1000, "max_session_duration_ms", "must be at least 1000");
        ConfigException.check(maxResponseBytes >= 1024, "max_response_bytes", "must be at least 1024");
        ConfigException.check(producerLingerMs >= 0 && producerLingerMs <= 1000, "producer_linger_ms", "must be 0..1000");
        ConfigException.check(
                producerBufferBytes >= 1 << 20, "producer_buffer_bytes", "must be at least 1048576");
        ConfigException.check(
                producerDeliveryTimeoutMs >= 1000, "producer_delivery_timeout_ms", "must be at least 1000");
        ConfigException.check(upstreams != null && !upstreams.isEmpty(), "upstreams", "must name at least one upstream");
        upstreams = Map.copyOf(upstreams);
    }
}
