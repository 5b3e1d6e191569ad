package dev.rewind.processor;

import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.util.concurrent.CountDownLatch;

/** Starts the stream processor: {@code java -jar rewind-stream-processor.jar [--config stream-processor.yaml]}. */
public final class ProcessorMain {

    private ProcessorMain() {}

    public static void main(String[] args) throws InterruptedException {
        ProcessorConfig config;
        try {
            config = load(args);
        } catch (ConfigException e) {
            System.err.println("rewind stream-processor: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamProcessor processor = StreamProcessor.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            processor.close();
            stopped.countDown();
        }, "processor-shutdown"));
        stopped.await();
    }

    public static ProcessorConfig load(String[] args) {
        return ConfigLoader.load(ProcessorConfig.class, ConfigLoader.configFile(args, System.getenv()),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml");
    }
}
