package dev.rewind.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.sim.SimHarness.Exchange;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The details of Ollama's NDJSON and Gemini's CRLF event stream that the shared format tests do not see. */
class NativeFormatsTest {

    @RegisterExtension
    static final SimHarness harness = new SimHarness();

    @Test
    void ollamaStreamsNdjsonLinesEndingInADoneLineWithCountsAndDurations() {
        ObjectNode body = Api.OLLAMA.body("llama-sim", "hello");
        Exchange exchange = harness.send(Api.OLLAMA, "llama-sim", body);

        assertThat(exchange.contentType()).isEqualTo("application/x-ndjson");
        List<JsonNode> lines = new String(exchange.body(), StandardCharsets.UTF_8).lines()
                .map(line -> Json.fromString(line, JsonNode.class)).toList();
        SimulatedCompletion plan = SimulatedCompletion.plan(body);
        assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(line -> {
            assertThat(line.path("model").asText()).isEqualTo("llama-sim");
            assertThat(java.time.Instant.parse(line.path("created_at").asText())).isNotNull();
            assertThat(line.at("/message/role").asText()).isEqualTo("assistant");
            assertThat(line.path("done").asBoolean()).isFalse();
        });
        JsonNode last = lines.getLast();
        assertThat(last.path("done").asBoolean()).isTrue();
        assertThat(last.path("done_reason").asText()).isEqualTo("stop");
        assertThat(last.path("eval_count").asInt()).isEqualTo(plan.completionTokens());
        assertThat(last.path("prompt_eval_count").asInt()).isEqualTo(plan.promptTokens());
        for (String field : List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
            assertThat(last.path(field).asLong()).as(field).isPositive();
        }
        assertThat(last.path("total_duration").asLong()).isEqualTo(last.path("load_duration").asLong()
                + last.path("prompt_eval_duration").asLong() + last.path("eval_duration").asLong());
    }

    @Test
    void ollamaAnswersInOneObjectWithStreamFalse() {
        ObjectNode body = Api.OLLAMA.body("llama-sim@tools=1,reasoning=3", "whole");
        Api.OLLAMA.offerTools(body);
        body.put("stream", false);
        Exchange exchange = harness.send(Api.OLLAMA, null, body);

        assertThat(exchange.status()).isEqualTo(200);
        assertThat(exchange.contentType()).startsWith("application/json");
        JsonNode answer = exchange.json();
        SimulatedCompletion plan = SimulatedCompletion.plan(body);
        assertThat(answer.path("done").asBoolean()).isTrue();
        assertThat(answer.at("/message/thinking").asText()).isEqualTo(plan.reasoningText());
        assertThat(answer.at("/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(answer.at("/message/tool_calls/0/function/arguments")).isEqualTo(plan.toolCalls().getFirst().arguments());
    }

    @Test
    void ollamaAnswersAnEmptyConversationWithALoadLine() {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", "llama-sim");
        body.putArray("messages");
        Exchange exchange = harness.send(Api.OLLAMA, null, body);

        JsonNode line = Json.fromString(new String(exchange.body(), StandardCharsets.UTF_8).strip(), JsonNode.class);
        assertThat(line.path("done_reason").asText()).isEqualTo("load");
        assertThat(line.path("done").asBoolean()).isTrue();
    }

    @Test
    void geminiEndsEveryLineWithCrlfAndCarriesUsageOnTheLastEvent() {
        String model = "gemini-sim@reasoning=2";
        ObjectNode body = Api.GEMINI.body(model, "hello");
        Exchange exchange = harness.send(Api.GEMINI, model, body);

        String text = new String(exchange.body(), StandardCharsets.UTF_8);
        assertThat(text).endsWith("\r\n\r\n").doesNotContain("[DONE]");
        assertThat(text.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
        List<JsonNode> events = StreamDecoder.decode(Api.GEMINI, exchange.body()).events();
        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(events).allSatisfy(event -> {
            assertThat(event.at("/candidates/0/content/role").asText()).isEqualTo("model");
            assertThat(event.path("modelVersion").asText()).isEqualTo("gemini-sim");
        });
        JsonNode usage = events.getLast().path("usageMetadata");
        assertThat(usage.path("promptTokenCount").asInt()).isEqualTo(plan.promptTokens());
        assertThat(usage.path("candidatesTokenCount").asInt()).isEqualTo(plan.tokens().size());
        assertThat(usage.path("thoughtsTokenCount").asInt()).isEqualTo(2);
        assertThat(usage.path("totalTokenCount").asInt()).isEqualTo(plan.promptTokens() + plan.completionTokens());
        assertThat(events.subList(0, events.size() - 1)).noneMatch(e -> e.at("/candidates/0").has("finishReason"));
    }

    @Test
    void geminiTakesThePercentEncodedModelFromThePath() throws Exception {
        ObjectNode body = Api.GEMINI.body("unused", "encoded");
        HttpRequest request = HttpRequest.newBuilder(URI.create(harness.sim().baseUrl()
                        + "/v1beta/models/gemini-sim%40length%3D3:streamGenerateContent?alt=sse"))
                .header("x-goog-api-key", SimHarness.KEY).POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(body))).build();
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(StreamDecoder.decode(Api.GEMINI, response.body()).text())
                .isEqualTo(SimulatedCompletion.plan("gemini-sim@length=3", body).text());
        assertThat(harness.sim().recentRequests().getLast().model()).isEqualTo("gemini-sim@length=3");
    }

    @Test
    void geminiRefusesOtherMethodsAndTheJsonArrayForm() throws Exception {
        ObjectNode body = Api.GEMINI.body("gemini-sim", "x");
        for (String path : List.of("/v1beta/models/gemini-sim:generateContent", "/v1beta/models/gemini-sim:streamGenerateContent")) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(harness.sim().baseUrl() + path))
                    .header("x-goog-api-key", SimHarness.KEY).POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(body))).build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode error = Json.fromString(response.body(), JsonNode.class).path("error");
            assertThat(response.statusCode()).as(path).isIn(400, 404);
            assertThat(error.path("code").asInt()).isEqualTo(response.statusCode());
            assertThat(error.path("status").asText()).isIn("INVALID_ARGUMENT", "NOT_FOUND");
        }
    }
}
