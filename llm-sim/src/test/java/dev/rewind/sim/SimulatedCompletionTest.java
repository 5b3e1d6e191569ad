package dev.rewind.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Planning without HTTP: tool choice, length caps across reasoning and text, argument fragments. */
class SimulatedCompletionTest {

    @Test
    void aToolChoiceOfNoneMeansNoCalls() {
        for (Api api : List.of(Api.CHAT, Api.ANTHROPIC, Api.GEMINI)) {
            ObjectNode body = api.body("m@tools=1", "x");
            api.offerTools(body);
            switch (api) {
                case CHAT -> body.put("tool_choice", "none");
                case ANTHROPIC -> body.putObject("tool_choice").put("type", "none");
                default -> body.putObject("toolConfig").putObject("functionCallingConfig").put("mode", "NONE");
            }
            SimulatedCompletion plan = SimulatedCompletion.plan("m@tools=1", body);
            assertThat(plan.toolCalls()).as(api.name()).isEmpty();
            assertThat(plan.finishReason()).isEqualTo("stop");
        }
    }

    @Test
    void aForcedToolIsTheOneCalled() {
        for (Api api : List.of(Api.CHAT, Api.RESPONSES, Api.ANTHROPIC, Api.GEMINI)) {
            ObjectNode body = api.body("m@tools=2", "x");
            api.offerTools(body);
            switch (api) {
                case CHAT -> body.putObject("tool_choice").put("type", "function").putObject("function").put("name", "search");
                case RESPONSES -> body.putObject("tool_choice").put("type", "function").put("name", "search");
                case ANTHROPIC -> body.putObject("tool_choice").put("type", "tool").put("name", "search");
                default -> body.putObject("toolConfig").putObject("functionCallingConfig").put("mode", "ANY")
                        .putArray("allowedFunctionNames").add("search");
            }
            assertThat(SimulatedCompletion.plan("m@tools=2", body).toolCalls()).as(api.name())
                    .extracting(SimulatedToolCall::name).containsExactly("search", "search");
        }
    }

    @Test
    void fragmentsJoinToTheArgumentsAndIdsAreDistinct() {
        ObjectNode body = Api.CHAT.body("m@tools=3", "x");
        Api.CHAT.offerTools(body);
        List<SimulatedToolCall> calls = SimulatedCompletion.plan(body).toolCalls();

        assertThat(calls).extracting(SimulatedToolCall::name).containsExactly("get_weather", "search", "get_weather");
        assertThat(calls).allSatisfy(call -> assertThat(String.join("", call.argumentFragments())).isEqualTo(call.argumentsJson()));
        assertThat(calls).extracting(SimulatedToolCall::id).doesNotHaveDuplicates().allMatch(id -> id.startsWith("call_"));
        assertThat(calls.getFirst().anthropicId()).startsWith("toolu_");
    }

    @Test
    void aToolWithoutSchemaGetsAnEmptyObject() {
        ObjectNode body = Api.ANTHROPIC.body("m@tools=1", "x");
        body.putArray("tools").addObject().put("name", "ping");
        SimulatedToolCall call = SimulatedCompletion.plan(body).toolCalls().getFirst();
        assertThat(call.arguments()).isEqualTo(Json.MAPPER.createObjectNode());
        assertThat(call.argumentsJson()).isEqualTo("{}");
    }

    @Test
    void theLengthCapCountsReasoningFirstAndDropsToolCallsItCuts() {
        ObjectNode body = Api.CHAT.body("m@reasoning=5,tools=1,length=4", "x").put("max_tokens", 7);
        Api.CHAT.offerTools(body);
        SimulatedCompletion plan = SimulatedCompletion.plan(body);

        assertThat(plan.reasoning()).hasSize(5);
        assertThat(plan.tokens()).hasSize(2);
        assertThat(plan.toolCalls()).isEmpty();
        assertThat(plan.finishReason()).isEqualTo("length");
        assertThat(plan.completionTokens()).isEqualTo(7);
    }

    @Test
    void theSameRequestPlansTheSameAnswerInEveryFieldAndPlainPlansAreUnchangedByNewDirectives() {
        ObjectNode body = Api.CHAT.body("m@reasoning=3,tools=2", "same");
        Api.CHAT.offerTools(body);
        assertThat(SimulatedCompletion.plan(body)).isEqualTo(SimulatedCompletion.plan(body.deepCopy()));
        ObjectNode plain = Api.CHAT.body("m", "same").put("seed", 7);
        ObjectNode reasoning = Api.CHAT.body("m@reasoning=3", "same").put("seed", 7);
        assertThat(SimulatedCompletion.plan(reasoning).tokens()).isEqualTo(SimulatedCompletion.plan(plain).tokens());
    }
}
