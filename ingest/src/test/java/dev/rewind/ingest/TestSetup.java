package dev.rewind.ingest;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import java.util.Map;

/** What ingest's integration tests start the same way: a simulator without pacing, and configs from YAML. */
final class TestSetup {

    private TestSetup() {}

    /** llm-sim on a free loopback port, answering as fast as it can (a request's script may pace it). */
    static LlmSimulator fastSimulator() {
        return LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 0, first_token_delay_ms: 0}"), Map.of(), "llm-sim-defaults.yaml"));
    }

    /** Tests' ops listeners take any free loopback port, so that tests and workers never collide. */
    static final Map<String, String> OPS_ANY_PORT = Map.of("REWIND_OPS_HOST", "127.0.0.1", "REWIND_OPS_PORT", "0");

    /** Ingest's config: the built-in defaults under {@code yaml}. */
    static IngestConfig ingestConfig(String yaml) {
        return ConfigLoader.load(IngestConfig.class, ConfigLoader.parseYaml(yaml), OPS_ANY_PORT,
                ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml");
    }
}
