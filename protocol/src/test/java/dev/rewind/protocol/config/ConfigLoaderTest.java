package dev.rewind.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.TopicSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    /** A component config as the services have them: the shared sections plus its own keys. */
    record SampleConfig(KafkaSettings kafka, TopicSettings topics, String name, int workers, Listener listener) {
        SampleConfig {
            ConfigException.check(workers >= 1, "workers", "must be at least 1");
        }
    }

    record Listener(String host, int port) {
        Listener {
            ConfigException.check(port >= 0 && port <= 65535, "port", "must be 0..65535, was " + port);
        }
    }

    @TempDir
    Path dir;

    @Test
    void loadsDefaultsThenTheFileThenTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("sample.yaml"), "name: from-file\ntopics: {partitions: 9}\n");
        SampleConfig config = ConfigLoader.load(SampleConfig.class, file, Map.of("REWIND_WORKERS", "7",
                "REWIND_KAFKA_BOOTSTRAP_SERVERS", "b1:9092,b2:9092"), ConfigLoader.KAFKA_DEFAULTS, "sample-defaults.yaml");
        assertThat(config.name()).isEqualTo("from-file");
        assertThat(config.workers()).isEqualTo(7);
        assertThat(config.topics().partitions()).isEqualTo(9);
        assertThat(config.topics().replicationFactor()).isEqualTo((short) 1);
        assertThat(config.kafka().bootstrapServers()).isEqualTo("b1:9092,b2:9092");
        assertThat(config.listener()).isEqualTo(new Listener("127.0.0.1", 8080));
    }

    @Test
    void anEnvironmentVariableOverridesTheDefaultsAndTheFile() throws Exception {
        assertThat(load("", Map.of("REWIND_TOPICS_PARTITIONS", "12")).topics().partitions()).isEqualTo(12);
        Path file = Files.writeString(dir.resolve("sample.yaml"), "topics: {partitions: 9}\n");
        SampleConfig config = ConfigLoader.load(SampleConfig.class, file, Map.of("REWIND_TOPICS_PARTITIONS", "12",
                "REWIND_TOPICS_REPLICATION_FACTOR", "3", "REWIND_TOPICS_MIN_INSYNC_REPLICAS", "2",
                "REWIND_LISTENER_PORT", "9000"), ConfigLoader.KAFKA_DEFAULTS, "sample-defaults.yaml");
        assertThat(config.topics().partitions()).isEqualTo(12);
        assertThat(config.topics().replicationFactor()).isEqualTo((short) 3);
        assertThat(config.topics().minInsyncReplicas()).isEqualTo(2);
        assertThat(config.listener().port()).isEqualTo(9000);
    }

    @Test
    void readsEnvironmentValuesAsYaml() {
        SampleConfig config = load("", Map.of(
                "REWIND_KAFKA_PROPERTIES", "{security.protocol: SASL_SSL, sasl.mechanism: PLAIN}",
                "REWIND_LISTENER", "{host: 0.0.0.0, port: 9443}"));
        assertThat(config.kafka().properties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN");
        assertThat(config.listener()).isEqualTo(new Listener("0.0.0.0", 9443));
    }

    @Test
    void theEnvironmentOverridesOnlyKeysTheDefaultsDeclare() {
        SampleConfig config = load("", Map.of("REWIND_TOPICS_PARTITONS", "3", "REWIND_UNRELATED", "x"));
        assertThat(config.topics().partitions()).isEqualTo(6);
        assertThat(ConfigLoader.envName("topics.max_message_bytes")).isEqualTo("REWIND_TOPICS_MAX_MESSAGE_BYTES");
        assertThat(ConfigLoader.envName("upstreams.sim-anthropic.base_url")).isEqualTo("REWIND_UPSTREAMS_SIM_ANTHROPIC_BASE_URL");
    }

    @Test
    void anUnknownKeyStopsStartupNamingItsFullPath() {
        assertThatThrownBy(() -> load("topics: {partitons: 3}", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'topics.partitons'")
                .hasMessageContaining("unknown key")
                .hasMessageContaining("partitions");
        assertThatThrownBy(() -> load("wokers: 3", Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("'wokers'");
        assertThatThrownBy(() -> load("listener: {prot: 1}", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listener.prot'");
    }

    @Test
    void anInvalidValueStopsStartupNamingTheKey() {
        assertThatThrownBy(() -> load("topics: {partitions: -1}", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'topics.partitions'")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> load("", Map.of("REWIND_TOPICS_PARTITIONS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'topics.partitions'");
        assertThatThrownBy(() -> load("workers: 0", Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("'workers'");
        assertThatThrownBy(() -> load("workers: many", Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("workers");
        assertThatThrownBy(() -> load("listener: {port: 70000}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'listener.port'");
        assertThatThrownBy(() -> load("", Map.of("REWIND_TOPICS_COMPRESSION", "brotli")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'topics.compression'");
        assertThatThrownBy(() -> load("kafka: {bootstrap_servers: \"\"}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'kafka.bootstrap_servers'");
    }

    @Test
    void findsTheConfigFileInTheArgumentsThenTheEnvironment() {
        assertThat(ConfigLoader.configFile(new String[] {"--config", "a.yaml"}, Map.of())).isEqualTo(Path.of("a.yaml"));
        assertThat(ConfigLoader.configFile(new String[] {"--verbose", "--config=b.yaml"}, Map.of())).isEqualTo(Path.of("b.yaml"));
        assertThat(ConfigLoader.configFile(new String[0], Map.of("REWIND_CONFIG", "c.yaml"))).isEqualTo(Path.of("c.yaml"));
        assertThat(ConfigLoader.configFile(new String[] {"--config", "a.yaml"}, Map.of("REWIND_CONFIG", "c.yaml")))
                .isEqualTo(Path.of("a.yaml"));
        assertThat(ConfigLoader.configFile(new String[0], Map.of("REWIND_CONFIG", " "))).isNull();
        assertThat(ConfigLoader.configFile(new String[0], Map.of())).isNull();
        assertThatThrownBy(() -> ConfigLoader.configFile(new String[] {"--config"}, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--config");
    }

    @Test
    void readsTheConfigFileGivenWithDashDashConfig() throws Exception {
        Path file = Files.writeString(dir.resolve("given.yaml"), "# an operator's file\nworkers: 5\nlistener:\n  port: 0\n");
        Path found = ConfigLoader.configFile(new String[] {"--config", file.toString()}, Map.of());
        SampleConfig config = ConfigLoader.load(SampleConfig.class, found, Map.of(), ConfigLoader.KAFKA_DEFAULTS,
                "sample-defaults.yaml");
        assertThat(config.workers()).isEqualTo(5);
        assertThat(config.listener()).isEqualTo(new Listener("127.0.0.1", 0));
        assertThat(config.name()).isEqualTo("sample");
    }

    @Test
    void refusesAConfigFileThatIsMissingOrNotAYamlMapping() throws Exception {
        assertThatThrownBy(() -> loadFile(dir.resolve("missing.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.yaml").hasMessageContaining("does not exist");
        Path list = Files.writeString(dir.resolve("list.yaml"), "- workers\n- 3\n");
        assertThatThrownBy(() -> loadFile(list)).isInstanceOf(ConfigException.class).hasMessageContaining("mapping");
        Path broken = Files.writeString(dir.resolve("broken.yaml"), "workers: [3\n");
        assertThatThrownBy(() -> loadFile(broken)).isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
        Path twice = Files.writeString(dir.resolve("twice.yaml"), "workers: 3\nworkers: 4\n");
        assertThatThrownBy(() -> loadFile(twice)).isInstanceOf(ConfigException.class).hasMessageContaining("workers");
    }

    @Test
    void anEmptyConfigFileKeepsTheDefaults() throws Exception {
        SampleConfig config = loadFile(Files.writeString(dir.resolve("empty.yaml"), "# nothing to change\n"));
        assertThat(config.workers()).isEqualTo(2);
        assertThat(config.topics()).isEqualTo(TopicSettings.singleBroker());
    }

    private SampleConfig loadFile(Path file) {
        return ConfigLoader.load(SampleConfig.class, file, Map.of(), ConfigLoader.KAFKA_DEFAULTS, "sample-defaults.yaml");
    }

    private static SampleConfig load(String yaml, Map<String, String> env) {
        return ConfigLoader.load(SampleConfig.class, ConfigLoader.parseYaml(yaml), env, ConfigLoader.KAFKA_DEFAULTS,
                "sample-defaults.yaml");
    }
}
