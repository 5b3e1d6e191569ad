package dev.rewind.processor;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.config.ServiceLauncher;

/** Starts the stream processor: {@code java -jar rewind-stream-processor.jar [--config stream-processor.yaml]}. */
public final class ProcessorMain {

    private ProcessorMain() {}

    public static void main(String[] args) throws InterruptedException {
        ServiceLauncher.run("stream-processor", () -> load(args), StreamProcessor::start);
    }

    public static ProcessorConfig load(String[] args) {
        return ConfigLoader.load(ProcessorConfig.class, ConfigLoader.configFile(args, System.getenv()),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml");
    }
}
