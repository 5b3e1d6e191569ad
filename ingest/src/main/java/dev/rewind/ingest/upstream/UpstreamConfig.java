package dev.rewind.ingest.upstream;

import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.config.ConfigException;
import java.net.URI;

/**
 * One configured upstream. The API key is never in the config itself: it is read from the
 * environment variable {@code api_key_env} or the file {@code api_key_file} (or neither, for a
 * keyless local server).
 */
public record UpstreamConfig(ProviderFormat format, String baseUrl, String apiKeyEnv, String apiKeyFile) {

    public UpstreamConfig {
        ConfigException.check(format != null, "format", "must name a provider format");
        ConfigException.check(baseUrl != null && isHttpUrl(baseUrl), "base_url", "must be an http(s) URL, was " + baseUrl);
        ConfigException.check(
                apiKeyEnv == null || apiKeyFile == null, "api_key_env", "give api_key_env or api_key_file, not both");
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
