package dev.rewind.bench.edge;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeServer;
import dev.rewind.kafkatest.EmbeddedTestBroker;
import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.token.ReadToken;
import dev.rewind.protocol.token.ReadTokenSigner;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * An edge for benchmarks: on a given broker (or an embedded one), loopback, a fixed bench signing
 * key so that load clients mint read tokens themselves (no ingest in the loop).
 */
final class BenchEdge {

    static final String KEY_ID = "bench";
    static final byte[] SIGNING_KEY = "rewind-bench-signing-key-0123456789".getBytes(StandardCharsets.US_ASCII);
    static final int PARTITIONS = 3;

    private BenchEdge() {}

    static EdgeServer start(String bootstrapServers, int port, String extraYaml) {
        var overlay = ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: %d}
                http: {host: 127.0.0.1, port: %d}
                auth: {signing_keys: {%s: "%s"}, active_signing_key: %s}
                """.formatted(bootstrapServers, PARTITIONS, port, KEY_ID, Base64.getEncoder().encodeToString(SIGNING_KEY), KEY_ID));
        ConfigLoader.merge(overlay, ConfigLoader.parseYaml(extraYaml));
        EdgeConfig config = ConfigLoader.load(EdgeConfig.class, overlay, Map.of(), ConfigLoader.KAFKA_DEFAULTS, "edge-defaults.yaml");
        return EdgeServer.start(config, Clock.systemUTC());
    }

    static EmbeddedTestBroker broker() throws Exception {
        EmbeddedTestBroker broker = EmbeddedTestBroker.start();
        // on a fresh broker the provisioner's describe can outrun the new topics' metadata: try again
        for (int attempt = 1; ; attempt++) {
            try {
                TopicProvisioner.ensure(broker.admin(), TopicSettings.singleBroker().withPartitions(PARTITIONS));
                return broker;
            } catch (IllegalStateException e) {
                if (attempt == 10) {
                    broker.close();
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    /** A read token for a session created just now, valid for an hour. */
    static String token(String sessionId) {
        return token(sessionId, Instant.now().minus(Duration.ofSeconds(1)));
    }

    /** A read token for a session created at {@code createdAt} (the time index finds its first event from there). */
    static String token(String sessionId, Instant createdAt) {
        return new ReadTokenSigner(Map.of(KEY_ID, SIGNING_KEY), KEY_ID)
                .sign(new ReadToken(sessionId, createdAt, Instant.now().plus(Duration.ofHours(1))));
    }

    /** {@code name=value} arguments. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are name=value, was " + arg);
            }
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return options;
    }

    /** The 1-minute load average, recorded with every figure (the machine is shared). */
    static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
