package dev.rewind.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LlmSimulatorTest {

    private static final String KEY = "sim-test-key";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LlmSimulator sim;

    @BeforeAll
    static void start() {
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 0, first_token_delay_ms: 0, api_key: " + KEY + "}"),
                Map.of(), "llm-sim-defaults.yaml"));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void streamsChatCompletionChunksWhoseContentIsThePlannedText() throws Exception {
        ObjectNode request = request("tell me about streams");
        request.put("stream", true);
        request.putObject("stream_options").put("include_usage", true);
        HttpResponse<java.util.stream.Stream<String>> response = HTTP.send(post(request, KEY), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");

        List<String> data = new ArrayList<>();
        response.body().filter(line -> line.startsWith("data: ")).forEach(line -> data.add(line.substring(6)));
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = data.subList(0, data.size() - 1).stream().map(d -> Json.fromString(d, JsonNode.class)).toList();

        SimulatedCompletion plan = SimulatedCompletion.plan(request);
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks) {
            assertThat(chunk.get("id").asText()).isEqualTo(plan.id());
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("model").asText()).isEqualTo("sim-small");
            assertThat(chunk.has("created")).isTrue();
            assertThat(chunk.has("usage")).isTrue();
            chunk.path("choices").forEach(choice -> {
                if (choice.at("/delta/content").isTextual()) {
                    text.append(choice.at("/delta/content").asText());
                }
            });
        }
        assertThat(text.toString()).isEqualTo(plan.text());
        assertThat(chunks.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo(plan.finishReason());
        JsonNode usage = chunks.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(plan.completionTokens());
        assertThat(usage.at("/usage/total_tokens").asInt()).isEqualTo(plan.promptTokens() + plan.completionTokens());
    }

    @Test
    void withoutIncludeUsageThereIsNoUsageChunk() throws Exception {
        ObjectNode request = request("no usage please");
        request.put("stream", true);
        String body = HTTP.send(post(request, KEY), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    }

    @Test
    void planIsDeterministicPerRequestAndSeed() {
        ObjectNode request = request("same question");
        assertThat(SimulatedCompletion.plan(request)).isEqualTo(SimulatedCompletion.plan(request.deepCopy()));
        ObjectNode seeded = request.deepCopy().put("seed", 42);
        ObjectNode otherSeed = request.deepCopy().put("seed", 43);
        assertThat(SimulatedCompletion.plan(seeded).text()).isNotEqualTo(SimulatedCompletion.plan(otherSeed).text());
        assertThat(SimulatedCompletion.plan(seeded).tokens()).hasSizeBetween(20, 60);
    }

    @Test
    void maxTokensCutsTheTextShortWithFinishReasonLength() {
        ObjectNode request = request("long answer").put("max_tokens", 5);
        SimulatedCompletion plan = SimulatedCompletion.plan(request);
        assertThat(plan.tokens()).hasSize(5);
        assertThat(plan.finishReason()).isEqualTo("length");
        assertThat(SimulatedCompletion.plan(request("long answer")).finishReason()).isEqualTo("stop");
    }

    @Test
    void textIncludesMultiByteCharactersAcrossPlans() {
        boolean multiByte = false;
        for (int seed = 0; seed < 20 && !multiByte; seed++) {
            String text = SimulatedCompletion.plan(request("x").put("seed", seed)).text();
            multiByte = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > text.length();
        }
        assertThat(multiByte).isTrue();
    }

    @Test
    void answersANonStreamingCompletion() throws Exception {
        ObjectNode request = request("plain");
        HttpResponse<String> response = HTTP.send(post(request, KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = Json.fromString(response.body(), JsonNode.class);
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(SimulatedCompletion.plan(request).text());
    }

    @Test
    void refusesAMissingOrWrongKeyWith401AndRecordsNoKey() throws Exception {
        for (String key : new String[] {null, "wrong"}) {
            HttpResponse<String> response = HTTP.send(post(request("hi"), key), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(Json.fromString(response.body(), JsonNode.class).at("/error/code").asText()).isEqualTo("invalid_api_key");
        }
        assertThat(sim.recentRequests()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.headers().values()).noneMatch(v -> v.contains(KEY) || v.contains("wrong"));
        });
    }

    @Test
    void refusesBadBodiesWith400() throws Exception {
        for (String body : new String[] {"not json", "{\"model\": \"m\"}", "{\"model\": \"m\", \"messages\": [], \"n\": 1}",
                "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 2}"}) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(Json.fromString(response.body(), JsonNode.class).at("/error/type").asText())
                    .isEqualTo("invalid_request_error");
        }
    }

    private static ObjectNode request(String prompt) {
        ObjectNode request = Json.MAPPER.createObjectNode().put("model", "sim-small");
        request.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return request;
    }

    private static HttpRequest post(JsonNode body, String key) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(body)));
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return builder.build();
    }
}
