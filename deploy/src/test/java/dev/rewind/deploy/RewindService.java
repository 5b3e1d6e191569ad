package dev.rewind.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.analytics.AnalyticsConfig;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.ingest.IngestConfig;
import dev.rewind.processor.ProcessorConfig;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.SimConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * Each container the manifests run, by container name, with the config record and built-in defaults its
 * {@code main} loads (the same resources, in the same order, as EdgeMain, IngestMain, ProcessorMain, AnalyticsMain
 * and SimMain) and the config key that names the port its probes and metrics use.
 */
enum RewindService {
    EDGE("edge", EdgeConfig.class, c -> ((EdgeConfig) c).http().port(), ConfigLoader.KAFKA_DEFAULTS, "edge-defaults.yaml"),
    INGEST("ingest", IngestConfig.class, c -> ((IngestConfig) c).ops().port(), ConfigLoader.KAFKA_DEFAULTS,
            "ingest-defaults.yaml"),
    STREAM_PROCESSOR("stream-processor", ProcessorConfig.class, c -> ((ProcessorConfig) c).ops().port(),
            ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml"),
    ANALYTICS("analytics", AnalyticsConfig.class, c -> ((AnalyticsConfig) c).ops().port(), ConfigLoader.KAFKA_DEFAULTS,
            "analytics-defaults.yaml"),
    LLM_SIM("llm-sim", SimConfig.class, c -> ((SimConfig) c).port(), "llm-sim-defaults.yaml");

    final String container;
    final Class<?> configType;
    private final ToIntFunction<Object> port;
    private final String[] defaults;

    RewindService(String container, Class<?> configType, ToIntFunction<Object> port, String... defaults) {
        this.container = container;
        this.configType = configType;
        this.port = port;
        this.defaults = defaults;
    }

    static Optional<RewindService> forContainer(String name) {
        return Arrays.stream(values()).filter(s -> s.container.equals(name)).findFirst();
    }

    /**
     * Loads the config as the service would at startup in this pod: its file ({@code REWIND_CONFIG}, read from the
     * mounted copy) and its environment, through ConfigLoader; an unknown key or a bad value throws, naming the key.
     */
    Object load(PodEnvironment pod) {
        Map<String, String> env = new HashMap<>(pod.env());
        env.computeIfPresent(ConfigLoader.CONFIG_FILE_VARIABLE, (k, path) -> pod.rebased(path));
        Path file = ConfigLoader.configFile(new String[0], env);
        return ConfigLoader.load(configType, file, env, defaults);
    }

    int port(Object config) {
        return port.applyAsInt(config);
    }

    /**
     * The REWIND_* variables this service's loader reads: one per key path of its built-in defaults (the loader
     * applies a variable only where the defaults have the key, and ignores any other in silence).
     */
    Set<String> environmentVariables() {
        ObjectNode tree = ConfigLoader.parseYaml("{}");
        for (String resource : defaults) {
            try (InputStream in = configType.getClassLoader().getResourceAsStream(resource)) {
                ConfigLoader.merge(tree, ConfigLoader.parseYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Set<String> names = new TreeSet<>();
        collect(tree, "", names);
        names.add(ConfigLoader.CONFIG_FILE_VARIABLE);
        return names;
    }

    private static void collect(JsonNode node, String path, Set<String> names) {
        node.fieldNames().forEachRemaining(name -> {
            String child = path.isEmpty() ? name : path + "." + name;
            names.add(ConfigLoader.envName(child));
            if (node.get(name).isObject()) {
                collect(node.get(name), child, names);
            }
        });
    }
}
