package dev.rewind.edge;

import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.protocol.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/** An edge configuration for tests: loopback, any free port, one API key, one signing key, fast heartbeats. */
public final class EdgeTestConfig {

    public static final String API_KEY = "test-api-key-0123456789";
    public static final String OWNER = "test-owner";
    public static final String OTHER_API_KEY = "other-api-key-0123456789";
    public static final String SIGNING_KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    private EdgeTestConfig() {}

    /** Each edge of a test gets its own session store under target/ (RocksDB locks its directory). */
    public static String freshStoreDir() {
        return Path.of("target", "edge-stores", UUID.randomUUID().toString()).toAbsolutePath().toString();
    }

    public static EdgeConfig forBroker(String bootstrapServers, int partitions) {
        return forBroker(bootstrapServers, partitions, "");
    }

    /** {@code extraYaml} is merged last, for a test that needs another setting. */
    public static EdgeConfig forBroker(String bootstrapServers, int partitions, String extraYaml) {
        var overlay = ConfigLoader.parseYaml(yaml(bootstrapServers, partitions, freshStoreDir()));
        ConfigLoader.merge(overlay, ConfigLoader.parseYaml(extraYaml));
        return ConfigLoader.load(EdgeConfig.class, overlay, Map.of(), ConfigLoader.KAFKA_DEFAULTS, "edge-defaults.yaml");
    }

    /** The test settings as a YAML file's text, for an edge in its own process (EdgeMain --config). */
    public static String yaml(String bootstrapServers, int partitions, String storeDir) {
        return """
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: %d}
                http: {host: 127.0.0.1, port: 0}
                auth:
                  api_keys:
                    - {id: %s, sha256: %s}
                    - {id: other-owner, sha256: %s}
                  signing_keys: {k1: "%s"}
                  active_signing_key: k1
                sse: {heartbeat_ms: 1000, poll_ms: 50, retry_ms: 500, retry_jitter_ms: 100}
                store: {dir: "%s"}
                """.formatted(bootstrapServers, partitions, OWNER, ApiKeys.digestOf(API_KEY),
                ApiKeys.digestOf(OTHER_API_KEY), SIGNING_KEY, storeDir);
    }
}
