package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.RecordDecoder.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {

    private static final Map<String, RecordDecoder<?>> DECODERS = Map.of(
            Topics.REQUESTS, RecordDecoder.REQUEST,
            Topics.CONTROL, RecordDecoder.CONTROL,
            Topics.CHUNKS, RecordDecoder.CHUNK,
            Topics.TOKENS, RecordDecoder.TOKEN,
            Topics.SESSIONS, RecordDecoder.SESSION,
            Topics.ANALYTICS, RecordDecoder.ANALYTICS);

    static List<SampleRecords.Sample> decodable() {
        return SampleRecords.all().filter(sample -> DECODERS.containsKey(sample.topic())).toList();
    }

    @ParameterizedTest
    @MethodSource("decodable")
    void decodesEveryRecordWeWrite(SampleRecords.Sample sample) {
        Outcome<?> outcome = DECODERS.get(sample.topic()).decode(sample.write());
        assertThat(outcome).isEqualTo(new Outcome.Decoded<>(sample.value()));
    }

    @Test
    void recognisesATypeItDoesNotKnowAsSuch() {
        byte[] newer = "{\"type\":\"pause\",\"session_id\":\"s_Xk3pQ9vL2mN8rT5wY7zA1b\",\"at\":\"2026-11-24T10:15:30Z\"}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(RecordDecoder.CONTROL.decode(newer)).isEqualTo(new Outcome.UnknownType<>("pause"));
        assertThat(RecordDecoder.REQUEST.decode(newer)).isEqualTo(new Outcome.UnknownType<>("pause"));
    }

    @Test
    void givesAReasonForBytesThatAreNoRecord() {
        assertThat(reason(RecordDecoder.REQUEST.decode(new byte[] {(byte) 0xff, 0x00, 'x'}))).startsWith("not-json: ");
        assertThat(reason(RecordDecoder.REQUEST.decode(bytes("[1,2]")))).startsWith("not-an-object: ");
        assertThat(reason(RecordDecoder.REQUEST.decode(bytes("{\"session_id\":\"s\"}")))).startsWith("missing-type: ");
        assertThat(reason(RecordDecoder.CONTROL.decode(bytes("{\"type\":\"cancel\"}"))))
                .startsWith("invalid-record: not a valid ControlRecord");
        assertThat(reason(RecordDecoder.TOKEN.decode((byte[]) null))).startsWith("null-value: ");
        assertThat(reason(RecordDecoder.ANALYTICS.decode(bytes("null")))).startsWith("not-an-object: ");
    }

    @Test
    void refusesARecordWhoseKeyIsNotItsSessionId() {
        SampleRecords.Sample cancel = SampleRecords.control().getFirst();
        String sessionId = ((ControlRecord) cancel.value()).sessionId();
        assertThat(RecordDecoder.CONTROL.decode(sessionId, cancel.write())).isInstanceOf(Outcome.Decoded.class);
        assertThat(reason(RecordDecoder.CONTROL.decode("s_other", cancel.write()))).startsWith("wrong-key: ");
        assertThat(reason(RecordDecoder.CONTROL.decode(null, cancel.write()))).startsWith("wrong-key: the key is missing");
    }

    private static String reason(Outcome<?> outcome) {
        assertThat(outcome).isInstanceOf(Outcome.Undecodable.class);
        return ((Outcome.Undecodable<?>) outcome).reason();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
