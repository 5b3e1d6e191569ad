package dev.rewind.processor;

import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.KafkaSettings;
import dev.rewind.protocol.ops.OpsSettings;
import dev.rewind.protocol.telemetry.TelemetrySettings;
import dev.rewind.protocol.usage.PriceTable;

/** The stream processor's configuration; defaults in {@code stream-processor-defaults.yaml}. */
public record ProcessorConfig(
        KafkaSettings kafka,
        TopicSettings topics,
        String applicationId,
        String groupInstanceId,
        String stateDir,
        long commitIntervalMs,
        long transactionTimeoutMs,
        long sessionTimeoutMs,
        int numStandbyReplicas,
        int numStreamThreads,
        int maxLineBytes,
        long endedRetentionMs,
        PriceTable prices,
        OpsSettings ops,
        TelemetrySettings telemetry) {

    public ProcessorConfig {
        ConfigException.check(kafka != null, "kafka", "section is missing");
        ConfigException.check(topics != null, "topics", "section is missing");
        ConfigException.check(ops != null, "ops", "section is missing");
        prices = prices == null ? PriceTable.NONE : prices;
        ConfigException.check(telemetry != null, "telemetry", "section is missing");
        ConfigException.check(applicationId != null && applicationId.matches("[A-Za-z0-9._-]+"), "application_id",
                "must be letters, digits, '.', '_' or '-'");
        ConfigException.check(groupInstanceId == null || groupInstanceId.isEmpty() || groupInstanceId.matches("[A-Za-z0-9._-]+"),
                "group_instance_id", "must be empty or letters, digits, '.', '_' or '-'");
        ConfigException.check(stateDir != null && !stateDir.isBlank(), "state_dir", "must name a directory");
        ConfigException.check(commitIntervalMs >= 1, "commit_interval_ms", "must be at least 1");
        ConfigException.check(transactionTimeoutMs >= 1000, "transaction_timeout_ms", "must be at least 1000");
        ConfigException.check(sessionTimeoutMs >= 1000, "session_timeout_ms", "must be at least 1000");
        ConfigException.check(numStandbyReplicas >= 0, "num_standby_replicas", "must not be negative");
        ConfigException.check(numStreamThreads >= 1, "num_stream_threads", "must be at least 1");
        ConfigException.check(maxLineBytes >= 1024, "max_line_bytes", "must be at least 1024");
        ConfigException.check(endedRetentionMs >= 60_000, "ended_retention_ms", "must be at least 60000");
    }
}
