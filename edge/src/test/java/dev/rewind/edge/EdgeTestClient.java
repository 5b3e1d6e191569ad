package dev.rewind.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** What a test client of the edge does over and over: create a session, and name its events URL. */
public final class EdgeTestClient {

    /** A session as POST /v1/sessions answered it. */
    public record CreatedSession(String id, String token) {
        public Map<String, String> bearer() {
            return Map.of("Authorization", "Bearer " + token);
        }
    }

    private EdgeTestClient() {}

    /** Creates a session asking {@code prompt} of the default upstream; asserts the 201. */
    public static CreatedSession createSession(HttpClient http, String base, String apiKey, String prompt) throws Exception {
        return createSession(http, base, apiKey, null, prompt);
    }

    /** Creates a session asking {@code prompt} of {@code upstream} (null: the default); asserts the 201. */
    public static CreatedSession createSession(HttpClient http, String base, String apiKey, String upstream, String prompt)
            throws Exception {
        return createSession(http, base, apiKey, upstream, "sim-small", prompt);
    }

    /** Creates a session asking {@code prompt} of {@code upstream}'s {@code model} (with the simulator's fault script, if any). */
    public static CreatedSession createSession(HttpClient http, String base, String apiKey, String upstream, String model,
            String prompt) throws Exception {
        var request = Json.MAPPER.createObjectNode();
        if (upstream != null) {
            request.put("upstream", upstream);
        }
        String body = Json.toString(request.put("model", model)
                .set("messages", Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode()
                        .put("role", "user").put("content", prompt))));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(15))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode created = Json.fromString(response.body(), JsonNode.class);
        return new CreatedSession(created.get("id").asText(), created.get("token").asText());
    }

    /** An OpenAI chat completion asking {@code prompt} with the test API key, streamed or not. */
    public static HttpRequest chatCompletion(String base, boolean stream, String prompt) {
        String body = Json.toString(Json.MAPPER.createObjectNode().put("model", "sim-small").put("stream", stream)
                .set("messages", Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode()
                        .put("role", "user").put("content", prompt))));
        return HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + EdgeTestConfig.API_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** One sample of the edge's Prometheus {@code /metrics} (0 when absent), e.g. {@code rewind_edge_connections{transport="ws"}}. */
    public static double metric(HttpClient http, String base, String sample) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).strip());
            }
        }
        return 0;
    }

    public static URI eventsUri(String base, String sessionId) {
        return URI.create(base + "/v1/sessions/" + sessionId + "/events");
    }
}
