package dev.rewind.protocol.config;

/** Bad configuration: the message names the key and says what is wrong with it. Startup stops. */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String problem) {
        super("config key '" + key + "': " + problem);
        this.key = key;
    }

    ConfigException(String key, String problem, Throwable cause) {
        super("config key '" + key + "': " + problem, cause);
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** The same problem, for a component's config embedded under {@code section} of another's. */
    public ConfigException within(String section) {
        String problem = getMessage().substring(getMessage().indexOf("': ") + 3);
        return new ConfigException(key.isEmpty() ? section : section + "." + key, problem, this);
    }

    /** Throws a {@link ConfigException} for {@code key} unless {@code ok}; used in config records' constructors. */
    public static void check(boolean ok, String key, String problem) {
        if (!ok) {
            throw new ConfigException(key, problem);
        }
    }
}
