package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A request the simulator received, for tests to check what a client sent. Auth header values are
 * never kept: {@code authorized} says whether the configured key was presented. {@code model} is the
 * model the request named, with its fault script: the body's {@code model}, or Gemini's path segment.
 */
public record RecordedRequest(String path, JsonNode body, Map<String, String> headers, boolean authorized, String model) {

    /** What the simulator answered (or would answer) to this request: the ground truth of its stream. */
    public SimulatedCompletion plan() {
        return SimulatedCompletion.plan(model, body);
    }
}
