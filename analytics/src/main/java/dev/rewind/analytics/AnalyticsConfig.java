package dev.rewind.analytics;

import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.KafkaSettings;
import dev.rewind.protocol.ops.OpsSettings;

/** The analytics app's configuration; defaults in {@code analytics-defaults.yaml}. */
public record AnalyticsConfig(
        KafkaSettings kafka,
        TopicSettings topics,
        String applicationId,
        String stateDir,
        String tokensTopic,
        String sessionsTopic,
        String analyticsTopic,
        long commitIntervalMs,
        long transactionTimeoutMs,
        long sessionTimeoutMs,
        int numStandbyReplicas,
        int numStreamThreads,
        long graceMs,
        long sessionStateTtlMs,
        int maxErrorCodes,
        OpsSettings ops,
        int metricsMaxSeries) {

    private static final String NAME = "[A-Za-z0-9._-]+";

    public AnalyticsConfig {
        ConfigException.check(kafka != null, "kafka", "section is missing");
        ConfigException.check(topics != null, "topics", "section is missing");
        ConfigException.check(ops != null, "ops", "section is missing");
        ConfigException.check(applicationId != null && applicationId.matches(NAME), "application_id",
                "must be letters, digits, '.', '_' or '-'");
        ConfigException.check(stateDir != null && !stateDir.isBlank(), "state_dir", "must name a directory");
        ConfigException.check(tokensTopic != null && tokensTopic.matches(NAME), "tokens_topic", "must be a topic name");
        ConfigException.check(analyticsTopic != null && analyticsTopic.matches(NAME), "analytics_topic",
                "must be a topic name");
        ConfigException.check(!analyticsTopic.equals(tokensTopic), "analytics_topic", "must differ from tokens_topic");
        ConfigException.check(sessionsTopic != null && sessionsTopic.matches(NAME), "sessions_topic", "must be a topic name");
        ConfigException.check(!analyticsTopic.equals(sessionsTopic), "analytics_topic", "must differ from sessions_topic");
        ConfigException.check(commitIntervalMs >= 1, "commit_interval_ms", "must be at least 1");
        ConfigException.check(transactionTimeoutMs >= 1000, "transaction_timeout_ms", "must be at least 1000");
        ConfigException.check(sessionTimeoutMs >= 1000, "session_timeout_ms", "must be at least 1000");
        ConfigException.check(numStandbyReplicas >= 0, "num_standby_replicas", "must not be negative");
        ConfigException.check(numStreamThreads >= 1, "num_stream_threads", "must be at least 1");
        ConfigException.check(graceMs >= 0, "grace_ms", "must not be negative");
        ConfigException.check(sessionStateTtlMs >= 60_000, "session_state_ttl_ms", "must be at least 60000");
        ConfigException.check(maxErrorCodes >= 1 && maxErrorCodes <= 1000, "max_error_codes",
                "must be between 1 and 1000");
        ConfigException.check(metricsMaxSeries >= 1, "metrics_max_series", "must be at least 1");
    }
}
