package dev.rewind.protocol.config;

import java.util.HashMap;
import java.util.Map;

/**
 * How a component reaches Kafka. {@code properties} are passed to every client it creates
 * (security settings, for example) and win over Rewind's own defaults, except the settings its
 * guarantees rest on, which each component documents.
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> properties) {

    public KafkaSettings {
        ConfigException.check(
                bootstrapServers != null && !bootstrapServers.isBlank(),
                "bootstrap_servers",
                "must name at least one host:port");
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    public static KafkaSettings of(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of());
    }

    /** A client config map: bootstrap servers, then Rewind's settings for the client, then the operator's properties. */
    public Map<String, Object> clientConfig(Map<String, Object> rewindDefaults) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.putAll(rewindDefaults);
        config.putAll(properties);
        return config;
    }
}
