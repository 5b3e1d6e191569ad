package dev.rewind.sim;

import dev.rewind.protocol.config.ConfigException;

/** The simulator's configuration; defaults in {@code llm-sim-defaults.yaml}. */
public record SimConfig(
        String host, int port, int tokensPerSecond, long firstTokenDelayMs, String apiKey, long maxRequestBytes) {

    public SimConfig {
        ConfigException.check(host != null && !host.isBlank(), "host", "must not be empty");
        ConfigException.check(port >= 0 && port <= 65535, "port", "must be 0..65535 (0 = any free port), was " + port);
        ConfigException.check(tokensPerSecond >= 0, "tokens_per_second", "must not be negative (0 = as fast as possible)");
        ConfigException.check(firstTokenDelayMs >= 0, "first_token_delay_ms", "must not be negative");
        ConfigException.check(apiKey == null || !apiKey.isBlank(), "api_key", "must not be blank (leave it out for none)");
        ConfigException.check(maxRequestBytes >= 1024, "max_request_bytes", "must be at least 1024");
    }

    @Override
    public String toString() {
        return "SimConfig[host=" + host + ", port=" + port + ", tokens_per_second=" + tokensPerSecond
                + ", first_token_delay_ms=" + firstTokenDelayMs + ", api_key=" + (apiKey == null ? "none" : "set") + "]";
    }
}
