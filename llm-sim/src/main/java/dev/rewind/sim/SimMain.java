package dev.rewind.sim;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.config.ServiceLauncher;

/** Starts the simulator on its own: {@code java -jar rewind-llm-sim.jar [--config llm-sim.yaml]}. */
public final class SimMain {

    private SimMain() {}

    public static void main(String[] args) throws InterruptedException {
        ServiceLauncher.run("llm-sim", () -> load(args), config -> {
            LlmSimulator sim = LlmSimulator.start(config);
            System.out.println("llm-sim at " + sim.baseUrl() + ": POST /v1/chat/completions, /v1/responses, /v1/messages, "
                    + "/api/chat, /v1beta/models/{model}:streamGenerateContent?alt=sse");
            return sim;
        });
    }

    public static SimConfig load(String[] args) {
        return ConfigLoader.load(SimConfig.class, ConfigLoader.configFile(args, System.getenv()), "llm-sim-defaults.yaml");
    }
}
