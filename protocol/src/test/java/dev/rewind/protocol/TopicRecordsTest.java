package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every record of every topic round-trips through its serde, and what we write validates against its published schema. */
class TopicRecordsTest {

    private static final String S = SessionIds.newId();
    private static final Instant T = Instant.parse("2026-11-24T10:15:30.123Z");

    static Stream<Arguments> records() {
        var params = Json.MAPPER.createObjectNode().put("temperature", 0.2).put("max_tokens", 256);
        params.putArray("tools").addObject().put("type", "function");
        var usage = Json.MAPPER.createObjectNode().put("prompt_tokens", 9).put("completion_tokens", 12);
        var arguments = Json.MAPPER.createObjectNode().put("path", "a.txt");
        return Stream.of(
                Arguments.of(Topics.REQUESTS, new RequestRecord.Start(S, "team-a", "sim", ProviderFormat.OPENAI_CHAT, "gpt-x",
                        List.of(RequestRecord.ChatMessage.text("system", "be brief"), RequestRecord.ChatMessage.text("user", "hi")),
                        params, T, "idem-1")),
                Arguments.of(Topics.REQUESTS, new RequestRecord.Start(S, null, "claude", ProviderFormat.ANTHROPIC, null,
                        List.of(RequestRecord.ChatMessage.text("user", "hi")), null, T, null)),
                Arguments.of(Topics.CONTROL, new ControlRecord.Cancel(S, "team-a", "user pressed stop", T)),
                Arguments.of(Topics.CHUNKS, new ChunkRecord.Chunk(S, 1, 1, ProviderFormat.OPENAI_CHAT,
                        "data: {\"x\":\"é\"}\n\n".getBytes(StandardCharsets.UTF_8), T)),
                Arguments.of(Topics.CHUNKS, new ChunkRecord.Chunk(S, 2, 7, ProviderFormat.GEMINI, new byte[] {(byte) 0xE2, (byte) 0x82}, T)),
                Arguments.of(Topics.CHUNKS, new ChunkRecord.AttemptStarted(S, 1, 200, "text/event-stream", "sim", "gpt-x",
                        ProviderFormat.OPENAI_CHAT, T)),
                Arguments.of(Topics.CHUNKS, new ChunkRecord.RetryScheduled(S, 1, 3000, "upstream 503", 503, T)),
                Arguments.of(Topics.CHUNKS, new ChunkRecord.AttemptEnded(S, 1, ChunkRecord.AttemptOutcome.STALLED, "no bytes for 30 s", true, T)),
                Arguments.of(Topics.CHUNKS, new ChunkRecord.SessionEnded(S, 2, ChunkRecord.SessionOutcome.FAILED, "upstream 401",
                        "upstream_unauthorized", false, null, T)),
                Arguments.of(Topics.CHUNKS, new ChunkRecord.SessionEnded(S, 1, ChunkRecord.SessionOutcome.CANCELLED, "stop",
                        null, null, "team-a", T)),
                Arguments.of(Topics.TOKENS, new TokenEvent.Start(S, 1, "sim", "gpt-x")),
                Arguments.of(Topics.TOKENS, new TokenEvent.Token(S, 2, "Hel")),
                Arguments.of(Topics.TOKENS, new TokenEvent.Reasoning(S, 3, "thinking")),
                Arguments.of(Topics.TOKENS, new TokenEvent.Refusal(S, 4, "I can't")),
                Arguments.of(Topics.TOKENS, new TokenEvent.ToolCall(S, 5, 0, 3, "call_1", "read_file", "{\"pa", null, false)),
                Arguments.of(Topics.TOKENS, new TokenEvent.ToolCall(S, 6, 0, 3, "call_1", "read_file", "", arguments, true)),
                Arguments.of(Topics.TOKENS, new TokenEvent.Status(S, 7, "retrying", 2, 3000L, "upstream 503")),
                Arguments.of(Topics.TOKENS, new TokenEvent.Status(S, 8, "connected", 2, null, "upstream 200")),
                Arguments.of(Topics.TOKENS, new TokenEvent.Warning(S, 9, "malformed-fragment", "skipped")),
                Arguments.of(Topics.TOKENS, new TokenEvent.Reset(S, 10, 2, "attempt 2 replaces attempt 1")),
                Arguments.of(Topics.TOKENS, new TokenEvent.Done(S, 11, "tool_calls", "tool_use", usage)),
                Arguments.of(Topics.TOKENS, new TokenEvent.Error(S, 11, "limit", "response exceeded 16 MiB", false)),
                Arguments.of(Topics.TOKENS, new TokenEvent.Cancelled(S, 11, "team-a", "user pressed stop")),
                Arguments.of(Topics.SESSIONS, new SessionSummary(S, "team-a", "sim", ProviderFormat.OPENAI_CHAT, "gpt-x", T,
                        SessionSummary.Status.COMPLETED, List.of(new SessionSummary.Attempt(1, T, 503, "failed", "upstream 503", 3000L),
                        new SessionSummary.Attempt(2, T, 200, "completed", "done", null)), 42, usage, 180L, 2400L, null, null, 2)),
                Arguments.of(Topics.SESSIONS, new SessionSummary(S, null, null, null, null, null, SessionSummary.Status.FAILED,
                        List.of(), 0, null, null, null, new SessionSummary.ErrorInfo("upstream_unauthorized", "upstream 401", false), null, null)),
                Arguments.of(Topics.CHUNKS_DLQ, new DeadLetter(S, Topics.CHUNKS, 2, 18733, "not-json", "{broken", T)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("records")
    void roundTripsThroughItsSerdeAndValidatesAgainstItsSchema(String topic, Object record) {
        byte[] bytes = serdeFor(topic).serialize(topic, record);
        assertThat(serdeFor(topic).deserialize(topic, bytes)).isEqualTo(record);
        JsonNode written = Json.fromBytes(bytes, JsonNode.class);
        assertThat(schema(topic).validate(written)).as(written.toString()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "rewind.tokens|{\"type\":\"token\",\"session_id\":\"s\",\"seq\":0,\"text\":\"x\"}",
        "rewind.tokens|{\"type\":\"token\",\"session_id\":\"s\",\"seq\":2}",
        "rewind.tokens|{\"type\":\"done\",\"session_id\":\"s\",\"seq\":2,\"finish_reason\":\"end_turn\"}",
        "rewind.tokens|{\"type\":\"teleport\",\"session_id\":\"s\",\"seq\":2}",
        "rewind.chunks|{\"type\":\"chunk\",\"session_id\":\"s\",\"attempt\":1,\"seq\":1}",
        "rewind.chunks|{\"type\":\"attempt_ended\",\"session_id\":\"s\",\"attempt\":1,\"outcome\":\"exploded\",\"will_retry\":false}",
        "rewind.requests|{\"type\":\"start\",\"session_id\":\"not-an-id\",\"upstream\":\"sim\",\"provider_format\":\"openai-chat\",\"created_at\":\"2026-01-01T00:00:00Z\",\"messages\":[]}",
        "rewind.requests|{\"type\":\"start\",\"session_id\":\"s_AAAAAAAAAAAAAAAAAAAAAA\",\"upstream\":\"sim\",\"provider_format\":\"cobol\",\"created_at\":\"2026-01-01T00:00:00Z\",\"messages\":[]}",
        "rewind.sessions|{\"id\":\"s\",\"status\":\"sleeping\",\"attempts\":[],\"token_count\":0}",
        "rewind.control|{\"type\":\"cancel\",\"session_id\":\"s\"}",
        "rewind.chunks.dlq|{\"session_id\":\"s\",\"partition\":1,\"reason\":\"x\"}"
    })
    void rejectsDocumentsThatBreakTheContract(String example) {
        String[] parts = example.split("\\|", 2);
        assertThat(schema(parts[0]).validate(Json.fromString(parts[1], JsonNode.class))).isNotEmpty();
    }

    @org.junit.jupiter.api.Test
    void aToolCallWritesItsFinalFlagAsFinal() {
        JsonNode written = Json.fromBytes(Serdes.TOKEN.serialize(Topics.TOKENS,
                new TokenEvent.ToolCall(S, 5, 0, 0, "c", "f", "", Json.MAPPER.createObjectNode(), true)), JsonNode.class);
        assertThat(written.get("final").asBoolean()).isTrue();
        assertThat(written.has("is_final")).isFalse();
        assertThat(written.get("type").asText()).isEqualTo("tool_call");
    }

    @org.junit.jupiter.api.Test
    void readersTolerateFieldsAddedLater() {
        TokenEvent event = Serdes.TOKEN.deserialize(Topics.TOKENS,
                "{\"type\":\"token\",\"session_id\":\"s\",\"seq\":2,\"text\":\"x\",\"added_in_v2\":true}".getBytes(StandardCharsets.UTF_8));
        assertThat(event).isEqualTo(new TokenEvent.Token("s", 2, "x"));
    }

    @org.junit.jupiter.api.Test
    void everyTopicHasASchemaInTheJar() {
        for (String topic : Topics.ALL) {
            assertThat(TopicRecordsTest.class.getClassLoader().getResource("schemas/" + topic + ".schema.json")).as(topic).isNotNull();
        }
    }

    @SuppressWarnings("unchecked")
    private static JsonSerde<Object> serdeFor(String topic) {
        return (JsonSerde<Object>) Map.<String, JsonSerde<?>>of(Topics.REQUESTS, Serdes.REQUEST, Topics.CONTROL, Serdes.CONTROL, Topics.CHUNKS,
                Serdes.CHUNK, Topics.TOKENS, Serdes.TOKEN, Topics.SESSIONS, Serdes.SESSION, Topics.CHUNKS_DLQ, Serdes.DEAD_LETTER).get(topic);
    }

    private static JsonSchemaProbe schema(String topic) {
        return new JsonSchemaProbe(topic);
    }

    /** A schema loaded from the jar, validating with format assertions on. */
    private record JsonSchemaProbe(String topic) {
        Set<ValidationMessage> validate(JsonNode node) {
            try (InputStream in = TopicRecordsTest.class.getClassLoader().getResourceAsStream("schemas/" + topic + ".schema.json")) {
                SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
                JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
                return schema.validate(node);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
