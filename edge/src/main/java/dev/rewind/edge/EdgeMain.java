package dev.rewind.edge;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.config.ServiceLauncher;
import java.time.Clock;

/** Starts the edge: {@code java -jar rewind-edge.jar [--config edge.yaml]}. */
public final class EdgeMain {

    private EdgeMain() {}

    public static void main(String[] args) throws InterruptedException {
        ServiceLauncher.run("edge", () -> load(args), config -> {
            EdgeServer server = EdgeServer.start(config, Clock.systemUTC());
            System.out.println("Rewind edge listening on " + (config.http().tls().enabled() ? "https://" : "http://")
                    + config.http().host() + ":" + server.port());
            return server;
        });
    }

    public static EdgeConfig load(String[] args) {
        return ConfigLoader.load(EdgeConfig.class, ConfigLoader.configFile(args, System.getenv()),
                ConfigLoader.KAFKA_DEFAULTS, "edge-defaults.yaml");
    }
}
