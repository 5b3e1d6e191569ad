package dev.rewind.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnalyticsConfigTest {

    private static AnalyticsConfig load(String yaml, Map<String, String> env) {
        return ConfigLoader.load(AnalyticsConfig.class, ConfigLoader.parseYaml(yaml), env,
                ConfigLoader.KAFKA_DEFAULTS, "analytics-defaults.yaml");
    }

    @Test
    void defaultsReadTheTokensAndWriteTheAnalyticsTopicWithATenMinuteGrace() {
        AnalyticsConfig config = load("{}", Map.of());
        assertThat(config.tokensTopic()).isEqualTo(Topics.TOKENS);
        assertThat(config.analyticsTopic()).isEqualTo(Topics.ANALYTICS);
        assertThat(config.graceMs()).isEqualTo(600_000);
        assertThat(config.applicationId()).isEqualTo("rewind-analytics");
        assertThat(config.ops().port()).isEqualTo(9464);
    }

    @Test
    void environmentVariablesOverrideKeys() {
        assertThat(load("{}", Map.of("REWIND_GRACE_MS", "120000", "REWIND_OPS_PORT", "0")))
                .extracting(AnalyticsConfig::graceMs, c -> c.ops().port()).containsExactly(120_000L, 0);
    }

    @Test
    void aBadValueStopsStartupNamingTheKey() {
        assertThatThrownBy(() -> load("{grace_ms: -1}", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("grace_ms");
        assertThatThrownBy(() -> load("{ops: {port: 70000}}", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ops.port");
        assertThatThrownBy(() -> load("{analytics_topic: rewind.tokens}", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("analytics_topic");
        assertThatThrownBy(() -> load("{grace: 5}", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("grace");
    }
}
