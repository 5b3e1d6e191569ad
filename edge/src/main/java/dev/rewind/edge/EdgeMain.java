package dev.rewind.edge;

import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/** Starts the edge: {@code java -jar rewind-edge.jar [--config edge.yaml]}. */
public final class EdgeMain {

    private EdgeMain() {}

    public static void main(String[] args) throws InterruptedException {
        EdgeConfig config;
        try {
            config = load(args);
        } catch (ConfigException e) {
            System.err.println("rewind edge: " + e.getMessage());
            System.exit(2);
            return;
        }
        EdgeServer server = EdgeServer.start(config, Clock.systemUTC());
        System.out.println("Rewind edge listening on http://" + config.http().host() + ":" + server.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "edge-shutdown"));
        stopped.await();
    }

    public static EdgeConfig load(String[] args) {
        return ConfigLoader.load(EdgeConfig.class, ConfigLoader.configFile(args, System.getenv()),
                ConfigLoader.KAFKA_DEFAULTS, "edge-defaults.yaml");
    }
}
