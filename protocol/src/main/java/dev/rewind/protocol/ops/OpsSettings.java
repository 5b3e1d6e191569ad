package dev.rewind.protocol.ops;

import dev.rewind.protocol.config.ConfigException;

/**
 * The {@code ops} section of a service's config: where {@code /health/live}, {@code /health/ready}
 * and {@code /metrics} listen. {@code port: 0} takes any free port (tests); {@code enabled: false}
 * serves nothing.
 */
public record OpsSettings(boolean enabled, String host, int port) {
    public OpsSettings {
        ConfigException.check(host != null && !host.isBlank(), "host", "must name an address");
        ConfigException.check(port >= 0 && port <= 65535, "port", "must be between 0 and 65535, was " + port);
    }
}
