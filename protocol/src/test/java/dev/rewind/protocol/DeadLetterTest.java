package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

    private static final Instant AT = Instant.parse("2026-11-24T10:15:30Z");

    @Test
    void boundsTheExcerpt() {
        DeadLetter letter = new DeadLetter(SampleRecords.SESSION, Topics.CHUNKS, 0, 7, "oversized-line", "x".repeat(5_000), AT);
        assertThat(letter.excerpt()).hasSize(DeadLetter.MAX_EXCERPT);
    }

    @Test
    void neverSplitsACharacterOutsideTheBasicPlaneWhenBounding() {
        String excerpt = "x".repeat(DeadLetter.MAX_EXCERPT - 1) + "\uD83D\uDE00 and more";
        DeadLetter letter = new DeadLetter(SampleRecords.SESSION, Topics.CHUNKS, 0, 7, "malformed", excerpt, AT);
        assertThat(letter.excerpt()).isEqualTo("x".repeat(DeadLetter.MAX_EXCERPT - 1));
        assertThat(letter.excerpt().codePoints().filter(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)).isEmpty();
        String json = Json.toString(letter);
        assertThat(json).doesNotContain("\\ud83d").doesNotContain("\\uD83D");
        assertThat(Json.fromString(json, JsonNode.class).get("excerpt").asText()).isEqualTo(letter.excerpt());
    }

    @Test
    void keepsAShortExcerptAsItIs() {
        DeadLetter letter = new DeadLetter(SampleRecords.SESSION, Topics.CHUNKS, 0, 7, "after-end", "data: [DONE]", AT);
        assertThat(letter.excerpt()).isEqualTo("data: [DONE]");
    }

    @Test
    void keepsTheStartOfAWholeRecordAsTextWithInvalidBytesReplaced() {
        byte[] value = new byte[10_000];
        java.util.Arrays.fill(value, (byte) 'y');
        value[0] = (byte) 0xff;
        DeadLetter letter = DeadLetter.ofRecord(null, Topics.REQUESTS, 1, 42, "not-json: x", value, AT);
        assertThat(letter.sessionId()).isEmpty();
        assertThat(letter.excerpt()).hasSize(DeadLetter.MAX_EXCERPT).startsWith("\uFFFDyyy");
        assertThat(DeadLetter.ofRecord("s_k", Topics.REQUESTS, 1, 42, "null-value: x", null, AT).excerpt()).isNull();
    }
}
