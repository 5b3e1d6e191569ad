package dev.rewind.ingest.upstream;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** An upstream API key. {@link #toString()} never shows it, so it cannot leak into a log line by accident. */
public final class ApiKey {

    private static final byte[] REDACTED = "[redacted]".getBytes(StandardCharsets.US_ASCII);

    private final String value;

    ApiKey(String value) {
        this.value = value;
    }

    /** The key itself, for the one place that puts it in a request header. */
    public String reveal() {
        return value;
    }

    /**
     * {@code bytes} with every occurrence of the key replaced by {@code [redacted]}: some providers
     * echo the key they were given in a 401 body, and error bodies are kept in the audit topic.
     */
    public byte[] redactedFrom(byte[] bytes) {
        byte[] key = value.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
        int i = 0;
        while (i < bytes.length) {
            if (i + key.length <= bytes.length && Arrays.equals(bytes, i, i + key.length, key, 0, key.length)) {
                out.writeBytes(REDACTED);
                i += key.length;
            } else {
                out.write(bytes[i++]);
            }
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "ApiKey[redacted]";
    }
}
