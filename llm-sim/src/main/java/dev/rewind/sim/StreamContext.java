package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** What a format needs besides the plan: the request, when the answer was created, and the nominal pace (for Ollama's durations). */
record StreamContext(JsonNode request, Instant created, long tokenIntervalMs, long firstTokenDelayMs) {

    long createdSeconds() {
        return created.getEpochSecond();
    }
}
