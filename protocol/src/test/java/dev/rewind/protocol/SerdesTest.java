package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.SampleRecords.Sample;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record type of every topic survives its serde, in the JSON shape the schemas document. */
class SerdesTest {

    static Stream<Sample> samples() {
        return SampleRecords.all();
    }

    /** The record types of a sealed hierarchy, through its sealed sub-interfaces (such as {@code TokenEvent.Terminal}). */
    private static List<Class<?>> recordTypes(Class<?> sealed) {
        return java.util.Arrays.stream(sealed.getPermittedSubclasses())
                .flatMap(type -> type.isSealed() ? recordTypes(type).stream() : java.util.stream.Stream.of(type)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void roundTripsThroughItsTopicSerde(Sample sample) {
        byte[] bytes = sample.write();
        assertThat(sample.serde().deserializer().deserialize(sample.topic(), bytes)).isEqualTo(sample.value());
    }

    @Test
    void samplesCoverEveryRecordTypeOfEveryTopic() {
        Set<Class<?>> sampled = SampleRecords.all().map(s -> s.value().getClass()).collect(Collectors.toSet());
        for (Class<?> sealed : List.of(RequestRecord.class, ControlRecord.class, ChunkRecord.class, TokenEvent.class)) {
            assertThat(sampled).as(sealed.getSimpleName()).containsAll(recordTypes(sealed));
        }
        assertThat(sampled).contains(SessionSummary.class, DeadLetter.class);
        assertThat(SampleRecords.all().map(Sample::topic).distinct()).containsExactlyInAnyOrderElementsOf(Topics.ALL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void readersTolerateFieldsAddedLater(Sample sample) {
        ObjectNode written = (ObjectNode) Json.fromBytes(sample.write(), JsonNode.class);
        written.put("added_in_a_later_version", "ignored");
        written.putObject("another_new_section").put("n", 1);
        byte[] extended = Json.toBytes(written);
        assertThat(sample.serde().deserializer().deserialize(sample.topic(), extended)).isEqualTo(sample.value());
    }

    @Test
    void writesSnakeCaseNamesIsoInstantsAndLeavesAbsentFieldsOut() {
        JsonNode completed = written("attempt completed without reason");
        assertThat(completed.get("session_id").asText()).isEqualTo(SampleRecords.SESSION);
        assertThat(completed.get("will_retry").isBoolean()).isTrue();
        assertThat(completed.get("at").asText()).isEqualTo("2026-11-24T10:15:31.987654321Z");
        assertThat(completed.get("outcome").asText()).isEqualTo("completed");
        assertThat(completed.has("reason")).isFalse();
        assertThat(written("start without params or idempotency key").get("created_at").asText())
                .isEqualTo("2026-11-24T10:15:30.123Z");
        assertThat(written("start without params or idempotency key").has("params")).isFalse();
        assertThat(written("start with tools and every message kind").get("provider_format").asText())
                .isEqualTo("openai-chat");
    }

    @Test
    void writesChunkBytesAsExactStandardBase64() {
        Sample sample = SampleRecords.find("chunk split mid UTF-8 character");
        byte[] original = ((ChunkRecord.Chunk) sample.value()).bytes();
        String encoded = Json.fromBytes(sample.write(), JsonNode.class).get("bytes").asText();
        assertThat(encoded).isEqualTo(Base64.getEncoder().encodeToString(original));
        assertThat(Base64.getDecoder().decode(encoded)).containsExactly(original);
    }

    @Test
    void writesTheToolCallFinalFlagAsFinal() {
        JsonNode last = written("tool call final fragment");
        assertThat(last.get("final").isBoolean()).isTrue();
        assertThat(last.get("final").asBoolean()).isTrue();
        assertThat(last.has("is_final")).isFalse();
        assertThat(last.has("isFinal")).isFalse();
        assertThat(written("tool call first fragment").get("final").asBoolean()).isFalse();
        TokenEvent.ToolCall read = (TokenEvent.ToolCall) Serdes.TOKEN.deserialize(Topics.TOKENS,
                ("{\"type\":\"tool_call\",\"session_id\":\"" + SampleRecords.SESSION
                        + "\",\"seq\":7,\"index\":0,\"arguments\":{},\"final\":true}").getBytes(StandardCharsets.UTF_8));
        assertThat(read.isFinal()).isTrue();
    }

    @Test
    void writesEveryTokenEventTypeAsItsSseEventName() {
        SampleRecords.tokens().forEach(sample -> assertThat(Json.fromBytes(sample.write(), JsonNode.class).get("type").asText())
                .as(sample.label())
                .isEqualTo(((TokenEvent) sample.value()).eventName()));
    }

    @Test
    void passesTombstonesThroughAsNull() {
        assertThat(Serdes.SESSION.serialize(Topics.SESSIONS, null)).isNull();
        assertThat(Serdes.SESSION.deserialize(Topics.SESSIONS, null)).isNull();
    }

    @Test
    void refusesBytesThatAreNotARecordNamingTheTopic() {
        assertThatThrownBy(() -> Serdes.TOKEN.deserialize(Topics.TOKENS, "{\"type\":\"teleport\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(Topics.TOKENS);
        assertThatThrownBy(() -> Serdes.CHUNK.deserialize(Topics.CHUNKS, new byte[] {(byte) 0xff, 0x00}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(Topics.CHUNKS);
    }

    private static JsonNode written(String label) {
        return Json.fromBytes(SampleRecords.find(label).write(), JsonNode.class);
    }
}
