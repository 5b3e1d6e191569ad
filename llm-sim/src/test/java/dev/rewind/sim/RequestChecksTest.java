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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each endpoint checks its provider's credential and required fields, and refuses in that provider's shape. */
class RequestChecksTest {

    @RegisterExtension
    static final SimHarness harness = new SimHarness();

    @ParameterizedTest
    @EnumSource(Api.class)
    void refusesAMissingOrWrongKeyWith401InTheProvidersShape(Api api) {
        for (String key : new String[] {null, "wrong-key"}) {
            Exchange refused = harness.send(api, "sim-small", api.body("sim-small", "who am I"), key);
            assertThat(refused.status()).isEqualTo(401);
            FaultsTest.assertErrorShape(api, refused.json(), 401);
            RecordedRequest recorded = harness.sim().recentRequests().getLast();
            assertThat(recorded.authorized()).isFalse();
            assertThat(recorded.headers().values()).noneMatch(v -> v.contains("wrong-key"));
        }
        if (api == Api.CHAT || api == Api.RESPONSES) {
            assertThat(harness.send(api, "sim-small", api.body("sim-small", "who am I"), null).json().at("/error/code").asText())
                    .isEqualTo("invalid_api_key");
        }
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void acceptsTheRightKeyAndRecordsItRedacted(Api api) {
        Exchange accepted = harness.send(api, "sim-small", api.body("sim-small", "authorised"));
        assertThat(accepted.status()).isEqualTo(200);
        RecordedRequest recorded = harness.sim().recentRequests().getLast();
        assertThat(recorded.authorized()).isTrue();
        String header = switch (api) {
            case ANTHROPIC -> "x-api-key";
            case GEMINI -> "x-goog-api-key";
            default -> "authorization";
        };
        assertThat(recorded.headers()).containsEntry(header, "[redacted]");
        assertThat(recorded.headers().values()).noneMatch(v -> v.contains(SimHarness.KEY));
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void refusesABadFaultScriptWith400NamingIt(Api api) {
        String model = "sim-small@explode=1";
        Exchange refused = harness.send(api, model, api.body(model, "bad script"));
        assertThat(refused.status()).isEqualTo(400);
        FaultsTest.assertErrorShape(api, refused.json(), 400);
        assertThat(refused.json().toString()).contains("invalid_fault_script").contains("explode");
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void refusesABodyThatIsNotJsonWith400(Api api) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(api.post(harness.sim().baseUrl(), "sim-small", api.body("sim-small", ""), SimHarness.KEY),
                (name, value) -> true).POST(HttpRequest.BodyPublishers.ofString("{not json")).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        FaultsTest.assertErrorShape(api, Json.fromString(response.body(), JsonNode.class), 400);
    }

    @Test
    void anthropicRequiresItsVersionHeaderMessagesAndMaxTokens() throws Exception {
        ObjectNode noMax = Api.ANTHROPIC.body("claude-sim", "x");
        noMax.remove("max_tokens");
        ObjectNode noMessages = Api.ANTHROPIC.body("claude-sim", "x");
        noMessages.putArray("messages");
        for (ObjectNode body : new ObjectNode[] {noMax, noMessages}) {
            Exchange refused = harness.send(Api.ANTHROPIC, null, body);
            assertThat(refused.status()).as(body.toString()).isEqualTo(400);
            FaultsTest.assertErrorShape(Api.ANTHROPIC, refused.json(), 400);
        }
        HttpRequest noVersion = HttpRequest.newBuilder(URI.create(harness.sim().baseUrl() + "/v1/messages"))
                .header("x-api-key", SimHarness.KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(Api.ANTHROPIC.body("claude-sim", "x")))).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(noVersion, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("anthropic-version");
    }

    @Test
    void geminiRequiresContents() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("generationConfig").put("maxOutputTokens", 10);
        Exchange refused = harness.send(Api.GEMINI, "gemini-sim", body);
        assertThat(refused.status()).isEqualTo(400);
        FaultsTest.assertErrorShape(Api.GEMINI, refused.json(), 400);
        assertThat(refused.json().at("/error/message").asText()).contains("contents");
    }

    @Test
    void ollamaRequiresAModelAndMessages() {
        ObjectNode noMessages = Json.MAPPER.createObjectNode().put("model", "llama-sim");
        ObjectNode noModel = Api.OLLAMA.body("llama-sim", "x");
        noModel.remove("model");
        for (ObjectNode body : new ObjectNode[] {noMessages, noModel}) {
            Exchange refused = harness.send(Api.OLLAMA, null, body);
            assertThat(refused.status()).as(body.toString()).isEqualTo(400);
            FaultsTest.assertErrorShape(Api.OLLAMA, refused.json(), 400);
        }
    }

    @Test
    void responsesRequiresInputAndRefusesNonStreamingRequests() {
        ObjectNode noInput = Json.MAPPER.createObjectNode().put("model", "sim-small").put("stream", true);
        assertThat(harness.send(Api.RESPONSES, null, noInput).status()).isEqualTo(400);
        ObjectNode notStreaming = Api.RESPONSES.body("sim-small", "x").put("stream", false);
        Exchange refused = harness.send(Api.RESPONSES, null, notStreaming);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().at("/error/message").asText()).contains("stream");
    }
}
