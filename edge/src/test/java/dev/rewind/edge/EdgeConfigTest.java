package dev.rewind.edge;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bad edge configuration stops startup with a message naming the key. */
class EdgeConfigTest {

    @Test
    void refusesToStartWithoutASigningKey() {
        assertThatThrownBy(() -> load("{}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.signing_keys");
    }

    @Test
    void namesAnEmptySigningKeyAndABadApiKeyDigest() {
        assertThatThrownBy(() -> load("auth: {signing_keys: {k1: }, active_signing_key: k1}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.signing_keys.k1");
        assertThatThrownBy(() -> load("auth: {signing_keys: {k1: " + EdgeTestConfig.SIGNING_KEY
                + "}, active_signing_key: k1, api_keys: [{id: a, sha256: nothex}]}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.api_keys[0].sha256");
    }

    @Test
    void refusesASigningKeyShorterThan32Bytes() {
        EdgeConfig config = load("auth: {signing_keys: {k1: c2hvcnQ=}, active_signing_key: k1}", Map.of());
        assertThatThrownBy(() -> new ReadTokens(config.auth(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.signing_keys");
    }

    @Test
    void namesUnknownKeysAndBadValuesFromTheEnvironment() {
        String auth = "auth: {signing_keys: {k1: " + EdgeTestConfig.SIGNING_KEY + "}, active_signing_key: k1}\n";
        assertThatThrownBy(() -> load(auth + "http: {prot: 1}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.prot");
        assertThatThrownBy(() -> load(auth, Map.of("REWIND_HTTP_PORT", "eighty")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port");
        assertThatThrownBy(() -> load(auth + "default_upstream: nope", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("default_upstream");
    }

    @Test
    void namesBadSessionApiKeys() {
        String auth = "auth: {signing_keys: {k1: " + EdgeTestConfig.SIGNING_KEY + "}, active_signing_key: k1}\n";
        assertThatThrownBy(() -> load(auth + "store: {dir: \"\"}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("store.dir");
        assertThatThrownBy(() -> load(auth + "rate_limit: {sessions_per_period: 0}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("rate_limit.sessions_per_period");
        assertThatThrownBy(() -> load(auth + "sessions: {list_default_limit: 500}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sessions.list_default_limit");
        assertThatThrownBy(() -> load(auth + "http: {max_header_bytes: 10}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.max_header_bytes");
        assertThatThrownBy(() -> load(auth + "audit: {max_concurrent_reads: 0}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("audit.max_concurrent_reads");
        assertThatThrownBy(() -> load(auth.replace("}\n", ", renewal_max_age_seconds: 60}\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.renewal_max_age_seconds");
    }

    @Test
    void namesBadStreamingKeys() {
        String auth = "auth: {signing_keys: {k1: " + EdgeTestConfig.SIGNING_KEY + "}, active_signing_key: k1}\n";
        assertThatThrownBy(() -> load(auth + "http: {cors_origins: [\"https://app.example/path\"]}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.cors_origins");
        assertThatThrownBy(() -> load(auth + "sse: {queue_events: 1}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sse.queue_events");
        assertThatThrownBy(() -> load(auth + "replay: {readers: 0}", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("replay.readers");
        assertThatThrownBy(() -> load(auth, Map.of("REWIND_HUB_WINDOW_EVENTS", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hub.window_events");
    }

    private static EdgeConfig load(String yaml, Map<String, String> env) {
        return ConfigLoader.load(EdgeConfig.class, ConfigLoader.parseYaml(yaml), env, ConfigLoader.KAFKA_DEFAULTS,
                "edge-defaults.yaml");
    }
}
