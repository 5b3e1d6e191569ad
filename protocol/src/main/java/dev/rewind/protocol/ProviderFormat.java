package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The wire format an upstream streams in; decides how ingest calls it and how the processor parses it. */
public enum ProviderFormat {
    OPENAI_CHAT("openai-chat"),
    OPENAI_RESPONSES("openai-responses"),
    ANTHROPIC("anthropic"),
    OLLAMA("ollama"),
    GEMINI("gemini");

    private final String wireName;

    ProviderFormat(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static ProviderFormat fromWireName(String name) {
        for (ProviderFormat format : values()) {
            if (format.wireName.equals(name)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown provider format '" + name + "', expected one of "
                + Arrays.stream(values()).map(ProviderFormat::wireName).collect(Collectors.joining(", ")));
    }
}
