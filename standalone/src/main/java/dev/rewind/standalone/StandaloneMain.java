package dev.rewind.standalone;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.config.ServiceLauncher;
import java.nio.file.Path;

/** {@code bin/run}: the whole stack on a laptop, at http://localhost:8080 by default. */
public final class StandaloneMain {

    // Helidon logs through java.util.logging; on a laptop its start-up lines are noise. Held so it is not collected.
    private static final java.util.logging.Logger HELIDON = java.util.logging.Logger.getLogger("io.helidon");

    private StandaloneMain() {}

    public static void main(String[] args) throws InterruptedException {
        long started = System.nanoTime();
        HELIDON.setLevel(java.util.logging.Level.WARNING);
        ServiceLauncher.run("standalone", () -> ConfigLoader.load(StandaloneConfig.class,
                ConfigLoader.configFile(args, System.getenv()), "standalone-defaults.yaml"), config -> {
            Standalone stack = Standalone.start(config);
            String host = config.http().host().equals("127.0.0.1") ? "localhost" : config.http().host();
            System.out.printf("%nRewind is up in %.1f s: http://%s:%d%n", (System.nanoTime() - started) / 1e9, host,
                    stack.httpPort());
            System.out.println("Demo API key: " + stack.demoApiKey());
            System.out.println("  limits: " + stack.demoKeyLimits());
            System.out.println("Data directory: " + Path.of(config.dataDir()).toAbsolutePath() + " (Ctrl-C stops)");
            return stack;
        });
    }
}
