package dev.rewind.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure parts: the SSE parser, the backoff, token expiry and the transcript rules. */
class ParsingTest {

    private static final String STREAM = "retry: 2500\n\n: ping\r\nid: 0-1-1\r\nevent: start\r\ndata: {\"seq\":1}\r\n\r\n"
            + "id: 0-2-2\revent: token\rdata: {\"seq\":2,\"text\":\"日本 🙂\"}\r\r"
            + "data: line one\ndata:line two\n\n"
            + "id: 0-3-3\n\n"
            + "retry: soon\nfield-without-colon\ndata: after\n\n"
            + "event: token\ndata: never dispatched\n";

    private static List<String> parse(List<String> pieces) {
        List<String> out = new ArrayList<>();
        SseParser parser = new SseParser(new SseParser.Listener() {
            @Override
            public void event(String id, String type, String data) {
                out.add(type + "|" + id + "|" + data);
            }

            @Override
            public void retry(long millis) {
                out.add("retry " + millis);
            }

            @Override
            public void comment() {
                out.add("comment");
            }
        });
        pieces.forEach(parser::feed);
        return out;
    }

    @Test
    void parsesTheSameEventsWhereverTheInputIsSplit() {
        List<String> whole = parse(List.of(STREAM));
        assertThat(whole).containsExactly(
                "retry 2500",
                "comment",
                "start|0-1-1|{\"seq\":1}",
                "token|0-2-2|{\"seq\":2,\"text\":\"日本 🙂\"}",
                "message|0-2-2|line one\nline two",
                "message|0-3-3|after");
        for (int i = 0; i <= STREAM.length(); i++) {
            assertThat(parse(List.of(STREAM.substring(0, i), STREAM.substring(i)))).as("split at %d", i).isEqualTo(whole);
        }
        assertThat(parse(STREAM.chars().mapToObj(c -> String.valueOf((char) c)).toList())).isEqualTo(whole);
    }

    @Test
    void backoffGrowsFromTheHintWithinEqualJitterBoundsAndIsCapped() {
        Backoff low = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30), () -> 0.0);
        Backoff high = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30), () -> 0.999999);
        assertThat(low.delay(1, null)).isEqualTo(Duration.ofMillis(500));
        assertThat(high.delay(1, null)).isEqualTo(Duration.ofMillis(1000));
        assertThat(low.delay(3, Duration.ofMillis(2000))).isEqualTo(Duration.ofMillis(4000));
        assertThat(high.delay(3, Duration.ofMillis(2000))).isEqualTo(Duration.ofMillis(8000));
        assertThat(high.delay(50, null)).isEqualTo(Duration.ofSeconds(30));
        Backoff real = Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(30));
        for (int attempt = 1; attempt <= 10; attempt++) {
            long ceiling = Math.min(30_000, 2000L << (attempt - 1));
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long ms = real.delay(attempt, null).toMillis();
                assertThat(ms).isBetween(ceiling / 2, ceiling);
                seen.add(ms);
            }
            assertThat(seen).as("jittered, not one value").hasSizeGreaterThan(20);
        }
    }

    @Test
    void readsTheExpiryOfAnEdgeTokenAndOfNothingElse() {
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("s_1|1700000000000|1700000060000".getBytes(StandardCharsets.UTF_8));
        assertThat(ReadTokenExpiry.of("rt1.k1." + payload + ".sig")).isEqualTo(Instant.ofEpochMilli(1700000060000L));
        assertThat(ReadTokenExpiry.of("opaque")).isNull();
        assertThat(ReadTokenExpiry.of("rt1.k1.@@.sig")).isNull();
        assertThat(ReadTokenExpiry.of("rt1.k1." + Base64.getUrlEncoder().encodeToString("a|b".getBytes()) + ".sig")).isNull();
        assertThat(ReadTokenExpiry.of(null)).isNull();
    }

    @Test
    void theTranscriptIsTheTextAfterTheLastResetWithToolCallsJoinedByIndex() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Transcript transcript = new Transcript();
        List<SessionEvent> events = List.of(
                new SessionEvent.Start("i1", 1, "sim", "m"),
                new SessionEvent.Token("i2", 2, "lost"),
                new SessionEvent.ToolCall("i3", 3, 0, "call_a", "f", "{\"x\"", null, false),
                new SessionEvent.Reset("i4", 4, 2, "upstream reset"),
                new SessionEvent.Token("i5", 5, "kept"),
                new SessionEvent.ToolCall("i6", 6, 1, "call_b", "g", "{\"q\":", null, false),
                new SessionEvent.ToolCall("i7", 7, 0, "call_c", "h", "{}", json.readTree("{}"), true),
                new SessionEvent.ToolCall("i8", 8, 1, null, null, "1}", json.readTree("{\"q\":1}"), true),
                new SessionEvent.Token("i9", 9, " text"),
                new SessionEvent.Done("i10", 10, "stop", "stop", null));
        events.forEach(transcript::apply);
        assertThat(transcript.apply(events.get(4))).as("a duplicate changes nothing").isFalse();
        assertThat(transcript.apply(new SessionEvent.Token("i11", 11, "late"))).as("nothing after the end").isFalse();
        assertThat(transcript.text()).isEqualTo("kept text");
        assertThat(transcript.resets()).isEqualTo(1);
        assertThat(transcript.lastSeq()).isEqualTo(10);
        assertThat(transcript.terminal()).isEqualTo(events.getLast());
        assertThat(transcript.toolCalls()).containsExactly(
                new Transcript.ToolCallState(0, "call_c", "h", "{}", json.readTree("{}"), true),
                new Transcript.ToolCallState(1, "call_b", "g", "{\"q\":1}", json.readTree("{\"q\":1}"), true));
    }
}
