package dev.rewind.edge.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/chat/completions} with the official OpenAI Java SDK as the client, against a real
 * broker: streamed and whole answers, tool calls reassembled by the SDK's own accumulator, usage,
 * the session headers, reset semantics, and errors in OpenAI's shape.
 */
@WithKafka
class ChatCompletionsTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EdgeServer edge;
    private static ScriptedPipeline pipeline;
    private static OpenAIClient openai;

    private static KafkaBroker kafka;

    @BeforeAll
    static void start(KafkaBroker broker) {
        kafka = broker;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS,
                "rate_limit: {sessions_per_period: 1000}"), Clock.systemUTC());
        pipeline = new ScriptedPipeline(broker.bootstrapServers(), PARTITIONS, Scripts.all());
        openai = client(EdgeTestConfig.API_KEY);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        openai.close();
        pipeline.close();
        edge.close();
    }

    private static OpenAIClient client(String apiKey) {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + edge.port() + "/v1")
                .apiKey(apiKey)
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    private static ChatCompletionCreateParams.Builder ask(String prompt) {
        return ChatCompletionCreateParams.builder().model("sim-small").addUserMessage(prompt);
    }

    private static ChatCompletion streamed(ChatCompletionCreateParams params) {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.chatCompletion();
    }

    @Test
    void streamedAnswerIsWhatThePipelineWroteWithUsage() {
        ChatCompletion completion = streamed(ask("plain")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
        assertThat(completion.id()).startsWith("chatcmpl-s_");
        assertThat(completion.model()).isEqualTo("sim-small");
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().getFirst().message().content()).hasValue("Hello, world");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(5);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(2);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(7);
    }

    @Test
    void wholeAnswerCarriesTheSessionWhoseEventsUrlReplaysIt() throws Exception {
        HttpResponseFor<ChatCompletion> response = openai.chat().completions().withRawResponse().create(ask("plain").build());
        ChatCompletion completion = response.parse();
        assertThat(completion.choices().getFirst().message().content()).hasValue("Hello, world");
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(7);
        String sessionId = response.headers().values("X-Rewind-Session-Id").getFirst();
        assertThat(completion.id()).isEqualTo("chatcmpl-" + sessionId);
        String eventsUrl = response.headers().values("X-Rewind-Events-Url").getFirst();
        assertThat(eventsUrl).isEqualTo("/v1/sessions/" + sessionId + "/events");
        HttpResponse<String> events = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + eventsUrl))
                .header("Authorization", "Bearer " + response.headers().values("X-Rewind-Read-Token").getFirst())
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(events.statusCode()).isEqualTo(200);
        assertThat(events.body()).contains("event: token").contains("\"text\":\"Hello\"").contains("event: done");
    }

    @Test
    void toolCallsAreReassembledByTheSdkStreamedAndWhole() {
        ChatCompletionCreateParams params = ask("tool").addFunctionTool(FunctionDefinition.builder().name("read_file")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
                .build()).build();
        for (ChatCompletion completion : List.of(streamed(params), openai.chat().completions().create(params))) {
            ChatCompletion.Choice choice = completion.choices().getFirst();
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            assertThat(choice.message().content()).hasValue("Let me look.");
            var calls = choice.message().toolCalls().orElseThrow();
            assertThat(calls).hasSize(1);
            ChatCompletionMessageFunctionToolCall call = calls.getFirst().asFunction();
            assertThat(call.id()).isEqualTo("call_1");
            assertThat(call.function().name()).isEqualTo("read_file");
            assertThat(call.function().arguments()).isEqualTo(Scripts.TOOL_ARGUMENTS);
        }
    }

    @Test
    void theRequestBecomesTheSessionsStartWithToolsAsParams() {
        HttpResponseFor<ChatCompletion> response = openai.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("sim/sim-small").addUserMessage("plain").temperature(0.25)
                        .addFunctionTool(FunctionDefinition.builder().name("read_file").build()).build());
        RequestRecord.Start start = pipeline.start(response.headers().values("X-Rewind-Session-Id").getFirst());
        assertThat(start.upstream()).isEqualTo("sim");
        assertThat(start.model()).isEqualTo("sim-small");
        assertThat(start.owner()).isEqualTo(EdgeTestConfig.OWNER);
        assertThat(start.params().get("temperature").asDouble()).isEqualTo(0.25);
        assertThat(start.params().get("tools").get(0).get("function").get("name").asText()).isEqualTo("read_file");
        assertThat(start.params().has("stream")).isFalse();
        // a model whose prefix names no upstream goes to the default upstream whole
        HttpResponseFor<ChatCompletion> other = openai.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("meta/llama").addUserMessage("plain").build());
        RequestRecord.Start otherStart = pipeline.start(other.headers().values("X-Rewind-Session-Id").getFirst());
        assertThat(otherStart.model()).isEqualTo("meta/llama");
        assertThat(otherStart.upstream()).isEqualTo("sim");
    }

    @Test
    void reasoningIsReasoningContentAndNotContent() throws Exception {
        String body = post(EdgeTestConfig.API_KEY, "{\"model\":\"sim-small\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"thinking\"}]}").body();
        assertThat(body).contains("\"delta\":{\"reasoning_content\":\"Let me think.\"}")
                .contains("\"delta\":{\"content\":\"42\"}").endsWith("data: [DONE]\n\n");
        assertThat(openai.chat().completions().create(ask("thinking").build()).choices().getFirst().message().content())
                .hasValue("42");
    }

    @Test
    void aResetBeforeAnyOutputIsInvisibleAndOneAfterOutputEndsTheStreamWithAnError() {
        assertThat(streamed(ask("retried early").build()).choices().getFirst().message().content()).hasValue("fresh");
        assertThatThrownBy(() -> streamed(ask("retried late").build()))
                .isInstanceOf(OpenAIException.class).hasMessageContaining("cannot take back");
        // a whole answer applies the transcript rule: what came after the last reset
        assertThat(openai.chat().completions().create(ask("retried late").build()).choices().getFirst().message().content())
                .hasValue("fresh");
    }

    @Test
    void aFailedSessionIsAnOpenAiErrorStreamedAndWhole() {
        assertThatThrownBy(() -> streamed(ask("fails").build()))
                .isInstanceOf(OpenAIException.class).hasMessageContaining("upstream answered 400");
        assertThatThrownBy(() -> openai.chat().completions().create(ask("fails").build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(502);
                    assertThat(e.code()).hasValue("upstream_rejected");
                });
        assertThatThrownBy(() -> streamed(ask("cancelled").build()))
                .isInstanceOf(OpenAIException.class).hasMessageContaining("cancelled");
    }

    @Test
    void refusalsBeforeTheStreamSpeakOpenAisErrorShape() throws Exception {
        OpenAIClient wrongKey = client("not-a-key");
        try {
            assertThatThrownBy(() -> wrongKey.chat().completions().create(ask("plain").build()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(e.code()).hasValue("invalid_api_key"));
        } finally {
            wrongKey.close();
        }
        assertThatThrownBy(() -> openai.chat().completions().create(ask("plain").n(2).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("n must be 1"));
        HttpResponse<String> unknown = post(EdgeTestConfig.API_KEY,
                "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"bogus\":1}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode error = Json.fromString(unknown.body(), JsonNode.class).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("param").asText()).isEqualTo("bogus");
        assertThat(error.get("message").asText()).contains("bogus");
        HttpResponse<String> noModel = post(EdgeTestConfig.API_KEY, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(Json.fromString(noModel.body(), JsonNode.class).at("/error/param").asText()).isEqualTo("model");
    }

    @Test
    void aConversationIdIsRecordedRefusedWhenMalformedAndForbiddenToAnotherKey() throws Exception {
        String conversation = "cc-" + UUID.randomUUID();
        String body = "{\"model\":\"sim-small\",\"conversation_id\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"plain\"}]}";
        HttpResponse<String> theirs = post(EdgeTestConfig.OTHER_API_KEY, body.formatted(conversation));
        assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(200);
        String sessionId = theirs.headers().firstValue("X-Rewind-Session-Id").orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> pipeline.start(sessionId) != null);
        assertThat(pipeline.start(sessionId).conversationId()).isEqualTo(conversation);

        HttpResponse<String> malformed = post(EdgeTestConfig.API_KEY, body.formatted("not a conversation id"));
        assertThat(malformed.statusCode()).isEqualTo(400);
        JsonNode badId = Json.fromString(malformed.body(), JsonNode.class).get("error");
        assertThat(badId.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(badId.get("message").asText()).contains("'conversation_id' must be");

        // once this edge's store has read the other key's turn, the id is theirs
        await().atMost(Duration.ofSeconds(20)).until(() -> post(EdgeTestConfig.API_KEY, body.formatted(conversation)).statusCode() == 403);
        HttpResponse<String> forbidden = post(EdgeTestConfig.API_KEY, body.formatted(conversation));
        JsonNode error = Json.fromString(forbidden.body(), JsonNode.class).get("error");
        assertThat(error.get("type").asText()).isEqualTo("permission_error");
        assertThat(error.get("message").asText()).contains("another API key");
        assertThat(post(EdgeTestConfig.OTHER_API_KEY, body.formatted(conversation)).statusCode()).isEqualTo(200);
    }

    @Test
    void anotherProvidersUsageIsGivenInOpenAisNames() throws Exception {
        HttpResponse<String> response = post(EdgeTestConfig.API_KEY,
                "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"anthropic usage\"}]}");
        JsonNode completion = Json.fromString(response.body(), JsonNode.class);
        assertThat(completion.get("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(3);
        assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(4);
        assertThat(completion.at("/usage/total_tokens").asLong()).isEqualTo(7);
    }

    @Test
    void pastTheKeysCreationRateTheAnswerIsAnOpenAiRateLimitError() throws Exception {
        try (EdgeServer limited = EdgeServer.start(EdgeTestConfig.forBroker(kafka.bootstrapServers(), PARTITIONS,
                "rate_limit: {sessions_per_period: 1, period_ms: 600000}"), Clock.systemUTC())) {
            String body = "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"plain\"}]}";
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + limited.port() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + EdgeTestConfig.API_KEY).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            assertThat(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            HttpResponse<String> refused = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            JsonNode error = Json.fromString(refused.body(), JsonNode.class).get("error");
            assertThat(error.get("type").asText()).isEqualTo("rate_limit_error");
            assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
        }
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyGetsTheSameSessionWithoutASecondGeneration() throws Exception {
        String body = "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"plain\"}]}";
        HttpResponse<String> first = post(EdgeTestConfig.API_KEY, body, "Idempotency-Key", "chat-retry-1");
        HttpResponse<String> retry = post(EdgeTestConfig.API_KEY, body, "Idempotency-Key", "chat-retry-1");
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.headers().firstValue("X-Rewind-Session-Id")).isEqualTo(first.headers().firstValue("X-Rewind-Session-Id"));
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(Json.fromString(retry.body(), JsonNode.class).at("/choices/0/message/content").asText()).isEqualTo("Hello, world");
        HttpResponse<String> other = post(EdgeTestConfig.API_KEY, body.replace("plain", "tool"), "Idempotency-Key", "chat-retry-1");
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(Json.fromString(other.body(), JsonNode.class).at("/error/code").asText()).isEqualTo("idempotency_key_mismatch");
    }

    private static HttpResponse<String> post(String apiKey, String body, String... headers) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/v1/chat/completions"))
                .headers(headers.length == 0 ? new String[] {"Accept", "*/*"} : headers)
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
