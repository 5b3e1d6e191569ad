package dev.rewind.ingest;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.config.ServiceLauncher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Starts an ingest worker: {@code java -jar rewind-ingest.jar [--config ingest.yaml]}. */
public final class IngestMain {

    private IngestMain() {}

    public static void main(String[] args) throws InterruptedException {
        // the registry every ingest meter is on; an HTTP /metrics listener serves it once it is Prometheus's
        ServiceLauncher.run("ingest", () -> load(args),
                config -> IngestService.start(config, System.getenv(), new SimpleMeterRegistry()));
    }

    public static IngestConfig load(String[] args) {
        return ConfigLoader.load(IngestConfig.class, ConfigLoader.configFile(args, System.getenv()),
                ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml");
    }
}
