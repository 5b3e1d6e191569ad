package dev.rewind.standalone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.telemetry.TelemetrySettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * The laptop stack: where its data lives, its fixed ports, and raw overrides merged into each
 * embedded component's own config ({@code edge}, {@code ingest}, {@code processor}, {@code sim}
 * sections take that component's keys, e.g. {@code edge: {sse: {heartbeat_ms: 5000}}}); the
 * {@code telemetry} section goes to each of edge, ingest and processor (each exports under its own name).
 */
public record StandaloneConfig(
        String dataDir,
        boolean demo,
        int partitions,
        Broker broker,
        Http http,
        Sim sim,
        Ops ops,
        TelemetrySettings telemetry,
        ObjectNode edge,
        ObjectNode ingest,
        ObjectNode processor) {

    public StandaloneConfig {
        ConfigException.check(dataDir != null && !dataDir.isBlank(), "data_dir", "must name a directory");
        ConfigException.check(partitions >= 1, "partitions", "must be at least 1");
        ConfigException.check(broker != null, "broker", "section is missing");
        ConfigException.check(http != null, "http", "section is missing");
        ConfigException.check(sim != null, "sim", "section is missing");
        ConfigException.check(ops != null, "ops", "section is missing");
        ConfigException.check(telemetry != null, "telemetry", "section is missing");
    }

    /**
     * A stack on loopback {@code ports} (http, sim, broker, controller, ingest ops, processor ops) in
     * {@code dataDir}: the simulator section takes {@code simKeys}, and {@code extraYaml} is merged in.
     * For tests and the AOT training run.
     */
    public static StandaloneConfig onLoopback(Path dataDir, int[] ports, String simKeys, String extraYaml) {
        return ConfigLoader.load(StandaloneConfig.class, ConfigLoader.parseYaml("""
                data_dir: "%s"
                http: {host: 127.0.0.1, port: %d}
                sim: {host: 127.0.0.1, port: %d, %s}
                broker: {host: 127.0.0.1, port: %d, controller_port: %d}
                ops: {host: 127.0.0.1, ingest_port: %d, processor_port: %d}
                %s
                """.formatted(dataDir, ports[0], ports[1], simKeys, ports[2], ports[3], ports[4], ports[5], extraYaml)),
                Map.of(), "standalone-defaults.yaml");
    }

    /** Where ingest's and the processor's /health/live, /health/ready and /metrics listen: two ports, one each. */
    public record Ops(String host, int ingestPort, int processorPort) {
        public Ops {
            checkPort("ingest_port", ingestPort);
            checkPort("processor_port", processorPort);
            ConfigException.check(ingestPort != processorPort, "processor_port", "must differ from ingest_port");
        }
    }

    public record Broker(String host, int port, int controllerPort) {
        public Broker {
            checkPort("port", port);
            checkPort("controller_port", controllerPort);
            ConfigException.check(port != controllerPort, "controller_port", "must differ from port");
        }
    }

    public record Http(String host, int port) {
        public Http {
            checkPort("port", port);
        }
    }

    public record Sim(String host, int port, int tokensPerSecond, long firstTokenDelayMs) {
        public Sim {
            checkPort("port", port);
            ConfigException.check(tokensPerSecond >= 0, "tokens_per_second", "must not be negative");
            ConfigException.check(firstTokenDelayMs >= 0, "first_token_delay_ms", "must not be negative");
        }
    }

    private static void checkPort(String key, int port) {
        ConfigException.check(port >= 1 && port <= 65535, key, "must be 1..65535, was " + port);
    }
}
