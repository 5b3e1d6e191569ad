package dev.rewind.ingest;

import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.util.concurrent.CountDownLatch;

/** Starts an ingest worker: {@code java -jar rewind-ingest.jar [--config ingest.yaml]}. */
public final class IngestMain {

    private IngestMain() {}

    public static void main(String[] args) throws InterruptedException {
        IngestConfig config;
        try {
            config = load(args);
        } catch (ConfigException e) {
            System.err.println("rewind ingest: " + e.getMessage());
            System.exit(2);
            return;
        }
        IngestService service = IngestService.start(config, System.getenv());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "ingest-shutdown"));
        stopped.await();
    }

    public static IngestConfig load(String[] args) {
        return ConfigLoader.load(IngestConfig.class, ConfigLoader.configFile(args, System.getenv()),
                ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml");
    }
}
