package dev.rewind.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.sim.SimHarness.Exchange;
import dev.rewind.sim.StreamDecoder.Decoded;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every API streams the planned text, tool calls and reasoning, well-formed in its own wire format. */
class FiveFormatsTest {

    @RegisterExtension
    static final SimHarness harness = new SimHarness();

    @ParameterizedTest
    @EnumSource(Api.class)
    void streamsThePlannedTextWellFormed(Api api) {
        String model = "sim-small";
        ObjectNode body = api.body(model, "tell me about " + api);
        Exchange exchange = harness.send(api, model, body);

        assertThat(exchange.status()).isEqualTo(200);
        assertThat(exchange.contentType()).startsWith(api == Api.OLLAMA ? "application/x-ndjson" : "text/event-stream");
        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(lastRecorded().plan()).isEqualTo(plan);
        Decoded decoded = StreamDecoder.decode(api, exchange.body());
        assertThat(decoded.malformed()).isZero();
        assertThat(decoded.errors()).isEmpty();
        assertThat(decoded.terminated()).isTrue();
        assertThat(decoded.text()).isEqualTo(plan.text()).isNotEmpty();
        assertThat(decoded.reasoning()).isEmpty();
        assertThat(decoded.calls()).isEmpty();
        assertThat(decoded.finish()).isEqualTo(finish(api, "stop"));
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void capsTheAnswerAtTheFormatsTokenLimit(Api api) {
        String model = "sim-small";
        ObjectNode body = api.body(model, "a long answer please");
        switch (api) {
            case CHAT, ANTHROPIC -> body.put("max_tokens", 4);
            case RESPONSES -> body.put("max_output_tokens", 4);
            case OLLAMA -> body.putObject("options").put("num_predict", 4);
            case GEMINI -> body.putObject("generationConfig").put("maxOutputTokens", 4);
        }
        Decoded decoded = StreamDecoder.decode(api, harness.send(api, model, body).body());

        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(plan.tokens()).hasSize(4);
        assertThat(decoded.text()).isEqualTo(plan.text());
        assertThat(decoded.finish()).isEqualTo(finish(api, "length"));
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void streamsPlannedToolCallsWithSchemaShapedArguments(Api api) {
        String model = "sim-small@tools=2";
        ObjectNode body = api.body(model, "weather in Zürich?");
        api.offerTools(body);
        Exchange exchange = harness.send(api, model, body);

        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(plan.toolCalls()).extracting(SimulatedToolCall::name).containsExactly("get_weather", "search");
        JsonNode weather = plan.toolCalls().getFirst().arguments();
        assertThat(weather.path("city").isTextual()).isTrue();
        assertThat(weather.path("days").isInt()).isTrue();
        assertThat(weather.path("unit").asText()).isIn("celsius", "fahrenheit");
        assertThat(plan.text()).isEmpty();
        assertThat(plan.finishReason()).isEqualTo("tool_calls");

        Decoded decoded = StreamDecoder.decode(api, exchange.body());
        assertThat(decoded.malformed()).isZero();
        assertThat(decoded.terminated()).isTrue();
        assertThat(decoded.calls()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            SimulatedToolCall planned = plan.toolCalls().get(i);
            StreamDecoder.Call call = decoded.calls().get(i);
            assertThat(call.name()).isEqualTo(planned.name());
            assertThat(call.argumentsJson()).isEqualTo(planned.arguments());
            switch (api) {
                case CHAT, RESPONSES -> assertThat(call.id()).isEqualTo(planned.id());
                case ANTHROPIC -> assertThat(call.id()).isEqualTo(planned.anthropicId());
                default -> { }
            }
        }
        assertThat(decoded.finish()).isEqualTo(finish(api, "tool_calls"));
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void toolCallsNeedOfferedTools(Api api) {
        String model = "sim-small@tools=1";
        ObjectNode body = api.body(model, "no tools offered");
        Decoded decoded = StreamDecoder.decode(api, harness.send(api, model, body).body());

        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(plan.toolCalls()).isEmpty();
        assertThat(decoded.calls()).isEmpty();
        assertThat(decoded.text()).isEqualTo(plan.text()).isNotEmpty();
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void streamsPlannedReasoningBeforeTheText(Api api) {
        String model = "sim-small@reasoning=7";
        ObjectNode body = api.body(model, "think first");
        Exchange exchange = harness.send(api, model, body);

        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(plan.reasoning()).hasSize(7);
        assertThat(plan.completionTokens()).isEqualTo(7 + plan.tokens().size());
        Decoded decoded = StreamDecoder.decode(api, exchange.body());
        assertThat(decoded.malformed()).isZero();
        assertThat(decoded.reasoning()).isEqualTo(plan.reasoningText());
        assertThat(decoded.text()).isEqualTo(plan.text());
        String body0 = new String(exchange.body(), StandardCharsets.UTF_8);
        assertThat(body0.indexOf(jsonString(plan.reasoning().getFirst()))).isLessThan(body0.indexOf(jsonString(plan.tokens().getFirst())));
        if (api == Api.ANTHROPIC) {
            assertThat(decoded.events()).anySatisfy(e -> assertThat(e.at("/delta/type").asText()).isEqualTo("signature_delta"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Api.class, names = {"CHAT", "RESPONSES", "ANTHROPIC", "GEMINI"})
    void sendsAKeepAliveEveryNTokens(Api api) {
        String model = "sim-small@keepalive=5,length=21";
        Decoded decoded = StreamDecoder.decode(api, harness.send(api, model, api.body(model, "pings")).body());

        // Anthropic always sends one ping after the first block starts; the directive adds one before tokens 6, 11, 16, 21.
        assertThat(decoded.keepAlives()).isEqualTo(api == Api.ANTHROPIC ? 5 : 4);
        assertThat(decoded.text()).isEqualTo(SimulatedCompletion.plan(model, api.body(model, "pings")).text());
    }

    @org.junit.jupiter.api.Test
    void ollamaHasNoKeepAliveAndSendsOnlyJsonLines() {
        String model = "sim-small@keepalive=2";
        ObjectNode body = Api.OLLAMA.body(model, "ndjson");
        String text = new String(harness.send(Api.OLLAMA, model, body).body(), StandardCharsets.UTF_8);

        assertThat(text).endsWith("\n").doesNotContain("\r");
        List<String> lines = text.lines().toList();
        assertThat(lines).allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(lines).hasSize(plan.tokens().size() + 1);
    }

    @org.junit.jupiter.api.Test
    void chatCompletionsInterleavesParallelToolCallsByIndex() {
        String model = "sim-small@tools=2";
        ObjectNode body = Api.CHAT.body(model, "two calls");
        Api.CHAT.offerTools(body);
        Decoded decoded = StreamDecoder.decode(Api.CHAT, harness.send(Api.CHAT, model, body).body());

        List<Integer> indexes = decoded.events().stream().flatMap(e -> e.findValues("tool_calls").stream())
                .map(calls -> calls.path(0).path("index").asInt()).toList();
        assertThat(indexes).startsWith(0, 0, 1, 1, 0, 1);
        List<JsonNode> heads = decoded.events().stream().flatMap(e -> e.findValues("tool_calls").stream())
                .filter(calls -> calls.path(0).has("id")).toList();
        assertThat(heads).hasSize(2).allSatisfy(head -> {
            assertThat(head.path(0).path("type").asText()).isEqualTo("function");
            assertThat(head.at("/0/function/arguments").asText()).isEmpty();
        });
        assertThat(SimulatedCompletion.plan(model, body).toolCalls())
                .allSatisfy(call -> assertThat(call.argumentFragments().size()).isGreaterThan(1));
    }

    @org.junit.jupiter.api.Test
    void anthropicToolUseStartsWithAnEmptyPartialJson() {
        String model = "sim-small@tools=1";
        ObjectNode body = Api.ANTHROPIC.body(model, "one call");
        Api.ANTHROPIC.offerTools(body);
        Decoded decoded = StreamDecoder.decode(Api.ANTHROPIC, harness.send(Api.ANTHROPIC, model, body).body());

        List<JsonNode> partials = decoded.events().stream().filter(e -> e.at("/delta/type").asText().equals("input_json_delta"))
                .map(e -> e.at("/delta/partial_json")).toList();
        assertThat(partials.getFirst().asText()).isEmpty();
        assertThat(partials.size()).isGreaterThan(2);
    }

    @org.junit.jupiter.api.Test
    void responsesFunctionCallArgumentsDoneRestatesTheDeltas() {
        String model = "sim-small@tools=1,length=3";
        ObjectNode body = Api.RESPONSES.body(model, "text then a call");
        Api.RESPONSES.offerTools(body);
        Decoded decoded = StreamDecoder.decode(Api.RESPONSES, harness.send(Api.RESPONSES, model, body).body());

        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(decoded.text()).isEqualTo(plan.text()).isNotEmpty();
        JsonNode done = decoded.events().stream().filter(e -> e.path("type").asText().equals("response.function_call_arguments.done"))
                .findFirst().orElseThrow();
        assertThat(done.path("arguments").asText()).isEqualTo(decoded.calls().getFirst().arguments());
        List<Integer> sequence = decoded.events().stream().map(e -> e.path("sequence_number").asInt()).toList();
        assertThat(sequence).isSorted().doesNotHaveDuplicates().startsWith(0);
    }

    private static String jsonString(String token) {
        return dev.rewind.protocol.Json.toString(token);
    }

    private static RecordedRequest lastRecorded() {
        return harness.sim().recentRequests().getLast();
    }

    /** The format's own word for an OpenAI finish reason. */
    static String finish(Api api, String openAi) {
        return switch (api) {
            case CHAT -> openAi;
            case ANTHROPIC -> switch (openAi) {
                case "length" -> "max_tokens";
                case "tool_calls" -> "tool_use";
                default -> "end_turn";
            };
            case RESPONSES -> openAi.equals("length") ? "incomplete" : "completed";
            case OLLAMA -> openAi.equals("length") ? "length" : "stop";
            case GEMINI -> openAi.equals("length") ? "MAX_TOKENS" : "STOP";
        };
    }
}
