package dev.rewind.standalone;

import dev.rewind.protocol.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Standalone stacks for tests: on free loopback ports, with their own data directory. */
public final class TestStacks {

    private TestStacks() {}

    /** A config on the given ports: http, sim, broker, controller, ingest ops, processor ops; {@code extraYaml} is merged in (e.g. a sim section). */
    public static StandaloneConfig config(Path dataDir, int[] ports, String simYaml) {
        return ConfigLoader.load(StandaloneConfig.class, ConfigLoader.parseYaml("""
                data_dir: "%s"
                http: {host: 127.0.0.1, port: %d}
                sim: {host: 127.0.0.1, port: %d, %s}
                broker: {host: 127.0.0.1, port: %d, controller_port: %d}
                ops: {host: 127.0.0.1, ingest_port: %d, processor_port: %d}
                """.formatted(dataDir, ports[0], ports[1], simYaml, ports[2], ports[3], ports[4], ports[5])), Map.of(), "standalone-defaults.yaml");
    }

    /** {@code count} distinct ports that were free a moment ago (the stack refuses to start on a taken one). */
    public static int[] freePorts(int count) throws IOException {
        return Ports.freeLoopbackPorts(count);
    }
}
