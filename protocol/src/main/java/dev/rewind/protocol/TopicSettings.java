package dev.rewind.protocol;

import dev.rewind.protocol.config.ConfigException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Partitions, replication and retention of Rewind's topics. The defaults suit one broker; for a
 * three-broker cluster use {@code replication_factor: 3} and {@code min_insync_replicas: 2}.
 * The partition count of {@code rewind.tokens} can never grow once sessions exist.
 */
public record TopicSettings(
        int partitions,
        short replicationFactor,
        int minInsyncReplicas,
        String compression,
        int maxMessageBytes,
        long requestsRetentionMs,
        long controlRetentionMs,
        long chunksRetentionMs,
        long tokensRetentionMs,
        long dlqRetentionMs,
        long analyticsRetentionMs) {

    private static final Set<String> COMPRESSIONS = Set.of("lz4", "zstd", "snappy", "gzip", "none", "producer");

    public TopicSettings {
        ConfigException.check(partitions >= 1, "partitions", "must be at least 1, was " + partitions);
        ConfigException.check(
                replicationFactor >= 1, "replication_factor", "must be at least 1, was " + replicationFactor);
        ConfigException.check(
                minInsyncReplicas >= 1 && minInsyncReplicas <= replicationFactor,
                "min_insync_replicas",
                "must be between 1 and replication_factor (" + replicationFactor + "), was " + minInsyncReplicas);
        ConfigException.check(
                compression != null && COMPRESSIONS.contains(compression),
                "compression",
                "must be one of " + COMPRESSIONS + ", was " + compression);
        ConfigException.check(
                maxMessageBytes >= 64 * 1024, "max_message_bytes", "must be at least 65536, was " + maxMessageBytes);
        checkRetention("requests_retention_ms", requestsRetentionMs);
        checkRetention("control_retention_ms", controlRetentionMs);
        checkRetention("chunks_retention_ms", chunksRetentionMs);
        checkRetention("tokens_retention_ms", tokensRetentionMs);
        checkRetention("dlq_retention_ms", dlqRetentionMs);
        checkRetention("analytics_retention_ms", analyticsRetentionMs);
    }

    private static void checkRetention(String key, long value) {
        ConfigException.check(value == -1 || value >= 60_000, key, "must be -1 (forever) or at least 60000, was " + value);
    }

    /** Defaults for one broker: 6 partitions, replication 1, lz4, a week of retention (a day for control). */
    public static TopicSettings singleBroker() {
        long day = 24L * 3600 * 1000;
        return new TopicSettings(6, (short) 1, 1, "lz4", 1024 * 1024, 7 * day, day, 7 * day, 7 * day, 30 * day, 7 * day);
    }

    public TopicSettings withPartitions(int count) {
        return new TopicSettings(count, replicationFactor, minInsyncReplicas, compression, maxMessageBytes,
                requestsRetentionMs, controlRetentionMs, chunksRetentionMs, tokensRetentionMs, dlqRetentionMs,
                analyticsRetentionMs);
    }

    /** Topic-level configs of one of Rewind's topics. */
    public Map<String, String> configsFor(String topic) {
        Map<String, String> configs = new HashMap<>();
        configs.put("compression.type", compression);
        configs.put("min.insync.replicas", Integer.toString(minInsyncReplicas));
        configs.put("max.message.bytes", Integer.toString(maxMessageBytes));
        configs.put("message.timestamp.type", "CreateTime");
        switch (topic) {
            case Topics.REQUESTS -> configs.put("retention.ms", Long.toString(requestsRetentionMs));
            case Topics.CONTROL -> configs.put("retention.ms", Long.toString(controlRetentionMs));
            case Topics.CHUNKS -> configs.put("retention.ms", Long.toString(chunksRetentionMs));
            case Topics.TOKENS -> configs.put("retention.ms", Long.toString(tokensRetentionMs));
            case Topics.CHUNKS_DLQ -> configs.put("retention.ms", Long.toString(dlqRetentionMs));
            case Topics.SESSIONS -> {
                configs.put("cleanup.policy", "compact");
                configs.put("min.compaction.lag.ms", "60000");
            }
            case Topics.ANALYTICS -> {
                // the latest value per window or total key; windows older than the retention are deleted
                configs.put("cleanup.policy", "compact,delete");
                configs.put("retention.ms", Long.toString(analyticsRetentionMs));
            }
            default -> throw new IllegalArgumentException("not a Rewind topic: " + topic);
        }
        return configs;
    }
}
