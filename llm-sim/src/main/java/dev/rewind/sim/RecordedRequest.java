package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A request the simulator received, for tests to check what a client sent. Auth header values are
 * never kept: {@code authorized} says whether the configured key was presented.
 */
public record RecordedRequest(String path, JsonNode body, Map<String, String> headers, boolean authorized) {}
