package dev.rewind.ingest.upstream;

import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** A configured upstream with its key resolved at startup. */
public record Upstream(String name, ProviderFormat format, URI baseUrl, Optional<ApiKey> apiKey) {

    /** Resolves every configured upstream's key from {@code env} or its file; a missing key stops startup naming the key. */
    public static Map<String, Upstream> resolveAll(Map<String, UpstreamConfig> configs, Map<String, String> env) {
        Map<String, Upstream> resolved = new LinkedHashMap<>();
        configs.forEach((name, config) -> resolved.put(name, resolve(name, config, env)));
        return Map.copyOf(resolved);
    }

    static Upstream resolve(String name, UpstreamConfig config, Map<String, String> env) {
        String prefix = "upstreams." + name + ".";
        Optional<ApiKey> key = Optional.empty();
        if (config.apiKeyEnv() != null) {
            String value = env.get(config.apiKeyEnv());
            if (value == null || value.isBlank()) {
                throw new ConfigException(prefix + "api_key_env",
                        "environment variable " + config.apiKeyEnv() + " is not set");
            }
            key = Optional.of(new ApiKey(value.strip()));
        } else if (config.apiKeyFile() != null) {
            try {
                String value = Files.readString(Path.of(config.apiKeyFile()), StandardCharsets.UTF_8).strip();
                if (value.isEmpty()) {
                    throw new ConfigException(prefix + "api_key_file", "file " + config.apiKeyFile() + " is empty");
                }
                key = Optional.of(new ApiKey(value));
            } catch (IOException e) {
                throw new ConfigException(prefix + "api_key_file", "cannot read " + config.apiKeyFile() + ": " + e.getMessage());
            }
        }
        String base = config.baseUrl().endsWith("/") ? config.baseUrl() : config.baseUrl() + "/";
        return new Upstream(name, config.format(), URI.create(base), key);
    }
}
