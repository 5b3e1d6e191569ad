package dev.rewind.sim;

import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.util.concurrent.CountDownLatch;

/** Starts the simulator on its own: {@code java -jar rewind-llm-sim.jar [--config llm-sim.yaml]}. */
public final class SimMain {

    private SimMain() {}

    public static void main(String[] args) throws InterruptedException {
        SimConfig config;
        try {
            config = load(args);
        } catch (ConfigException e) {
            System.err.println("rewind llm-sim: " + e.getMessage());
            System.exit(2);
            return;
        }
        LlmSimulator sim = LlmSimulator.start(config);
        System.out.println("llm-sim: OpenAI Chat Completions at " + sim.baseUrl() + "/v1/chat/completions");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "llm-sim-shutdown"));
        stopped.await();
    }

    public static SimConfig load(String[] args) {
        return ConfigLoader.load(SimConfig.class, ConfigLoader.configFile(args, System.getenv()), "llm-sim-defaults.yaml");
    }
}
