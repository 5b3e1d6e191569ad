package dev.rewind.processor.provider;

import com.fasterxml.jackson.databind.JsonNode;

/** What a provider's stream says, in Rewind's terms, before it gets a seq and a session. */
public sealed interface Extracted {

    record Text(String text) implements Extracted {}

    record Reasoning(String text) implements Extracted {}

    record Refusal(String text) implements Extracted {}

    /**
     * A fragment of tool call {@code index} (normalised, from 0 in order of appearance);
     * {@code arguments} is a parsed-so-far snapshot ({@link PartialJson}) or null, at most once per KiB.
     */
    record ToolCallDelta(int index, Integer providerIndex, String id, String name, String argumentsDelta,
            JsonNode arguments) implements Extracted {}

    /**
     * A call's last event: {@code arguments} is its complete JSON when {@code valid}; otherwise what
     * could be repaired of it ({@link PartialJson}), a JSON null when nothing could.
     */
    record ToolCallFinal(int index, Integer providerIndex, String id, String name, JsonNode arguments, boolean valid)
            implements Extracted {}

    /** A fragment that could not be used; the stream goes on. */
    record Malformed(String reason, String excerpt) implements Extracted {}

    /** The provider reported an error inside a 200 stream. */
    record UpstreamError(String code, String message) implements Extracted {}
}
