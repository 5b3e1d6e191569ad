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
    record SampleConfig(KafkaSettings kafka, TopicSettings topics, String name, int workers) {
        SampleConfig {
            ConfigException.check(workers >= 1, "workers", "must be at least 1");
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
        assertThat(ConfigLoader.envName("topics.max_message_bytes")).isEqualTo("REWIND_TOPICS_MAX_MESSAGE_BYTES");
    }

    @Test
    void anUnknownKeyStopsStartupNamingItsFullPath() {
        assertThatThrownBy(() -> load("topics: {partitons: 3}", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("topics.partitons")
                .hasMessageContaining("partitions");
        assertThatThrownBy(() -> load("wokers: 3", Map.of())).hasMessageContaining("'wokers'");
    }

    @Test
    void anInvalidValueStopsStartupNamingTheKey() {
        assertThatThrownBy(() -> load("topics: {partitions: -1}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topics.partitions");
        assertThatThrownBy(() -> load("workers: 0", Map.of())).hasMessageContaining("'workers'");
        assertThatThrownBy(() -> load("workers: many", Map.of())).hasMessageContaining("workers");
        assertThatThrownBy(() -> load("", Map.of("REWIND_TOPICS_COMPRESSION", "brotli")))
                .hasMessageContaining("topics.compression");
        assertThatThrownBy(() -> load("kafka: {bootstrap_servers: \"\"}", Map.of()))
                .hasMessageContaining("kafka.bootstrap_servers");
    }

    @Test
    void readsTheConfigFileFromArgumentsOrTheEnvironment() {
        assertThat(ConfigLoader.configFile(new String[] {"--config", "a.yaml"}, Map.of())).isEqualTo(Path.of("a.yaml"));
        assertThat(ConfigLoader.configFile(new String[] {"--config=b.yaml"}, Map.of())).isEqualTo(Path.of("b.yaml"));
        assertThat(ConfigLoader.configFile(new String[0], Map.of("REWIND_CONFIG", "c.yaml"))).isEqualTo(Path.of("c.yaml"));
        assertThat(ConfigLoader.configFile(new String[0], Map.of())).isNull();
        assertThatThrownBy(() -> ConfigLoader.configFile(new String[] {"--config"}, Map.of())).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> ConfigLoader.load(SampleConfig.class, dir.resolve("missing.yaml"), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "sample-defaults.yaml")).hasMessageContaining("missing.yaml");
    }

    private static SampleConfig load(String yaml, Map<String, String> env) {
        return ConfigLoader.load(SampleConfig.class, ConfigLoader.parseYaml(yaml), env, ConfigLoader.KAFKA_DEFAULTS,
                "sample-defaults.yaml");
    }
}
