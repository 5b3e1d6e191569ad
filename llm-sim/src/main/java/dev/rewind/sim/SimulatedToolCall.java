package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.util.List;

/**
 * A tool call the simulator plans to make: {@code id} is the OpenAI form ({@code call_…}; Anthropic
 * streams it as {@code toolu_…}, see {@link #anthropicId()}), {@code arguments} the JSON object, and
 * {@code argumentFragments} the pieces in which formats that stream arguments send them (they join
 * to {@link #argumentsJson()}).
 */
public record SimulatedToolCall(String id, String name, JsonNode arguments, List<String> argumentFragments) {

    public SimulatedToolCall {
        argumentFragments = List.copyOf(argumentFragments);
    }

    /** The arguments as the compact JSON text the fragments spell. */
    public String argumentsJson() {
        return Json.toString(arguments);
    }

    /** The id as Anthropic writes it in a {@code tool_use} block. */
    public String anthropicId() {
        return "toolu_" + id.substring("call_".length());
    }
}
