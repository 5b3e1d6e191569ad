package dev.rewind.ingest.upstream;

/** An upstream API key. {@link #toString()} never shows it, so it cannot leak into a log line by accident. */
public final class ApiKey {

    private final String value;

    ApiKey(String value) {
        this.value = value;
    }

    /** The key itself, for the one place that puts it in a request header. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "ApiKey[redacted]";
    }
}
