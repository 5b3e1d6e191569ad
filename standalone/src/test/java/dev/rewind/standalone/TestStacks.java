package dev.rewind.standalone;

import java.io.IOException;
import java.nio.file.Path;

/** Standalone stacks for tests: on free loopback ports, with their own data directory. */
public final class TestStacks {

    private TestStacks() {}

    /** A config on the given ports: http, sim, broker, controller, ingest ops, processor ops; {@code extraYaml} is merged in (e.g. a sim section). */
    public static StandaloneConfig config(Path dataDir, int[] ports, String simYaml) {
        return StandaloneConfig.onLoopback(dataDir, ports, simYaml, "");
    }

    /** {@code count} distinct ports that were free a moment ago (the stack refuses to start on a taken one). */
    public static int[] freePorts(int count) throws IOException {
        return Ports.freeLoopbackPorts(count);
    }
}
