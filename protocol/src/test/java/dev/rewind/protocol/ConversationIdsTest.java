package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConversationIdsTest {

    @Test
    void acceptsOneToOneHundredTwentyEightUrlSafeCharacters() {
        assertThat(ConversationIds.isValid("a")).isTrue();
        assertThat(ConversationIds.isValid("chat_01-Thread")).isTrue();
        assertThat(ConversationIds.isValid("x".repeat(128))).isTrue();
        assertThat(ConversationIds.isValid("x".repeat(129))).isFalse();
        assertThat(ConversationIds.isValid("")).isFalse();
        assertThat(ConversationIds.isValid(null)).isFalse();
        assertThat(ConversationIds.isValid("a b")).isFalse();
        assertThat(ConversationIds.isValid("a/b")).isFalse();
        assertThat(ConversationIds.isValid("é")).isFalse();
    }

    @Test
    void recordsWrittenBeforeConversationsStillReadWithoutOne() {
        String start = "{\"type\":\"start\",\"session_id\":\"s_AAAAAAAAAAAAAAAAAAAAAA\",\"owner\":\"team-a\","
                + "\"upstream\":\"sim\",\"provider_format\":\"openai-chat\",\"model\":\"m\",\"messages\":[],"
                + "\"created_at\":\"2026-12-01T00:00:00Z\"}";
        RequestRecord.Start request = (RequestRecord.Start) Serdes.REQUEST.deserializer()
                .deserialize(Topics.REQUESTS, start.getBytes(StandardCharsets.UTF_8));
        assertThat(request.conversationId()).isNull();

        TokenEvent.Start first = (TokenEvent.Start) Json.fromBytes(("{\"type\":\"start\",\"session_id\":\"s_AAAAAAAAAAAAAAAAAAAAAA\","
                + "\"seq\":1,\"upstream\":\"sim\",\"model\":\"m\"}").getBytes(StandardCharsets.UTF_8), TokenEvent.class);
        assertThat(first.conversationId()).isNull();

        SessionSummary summary = Json.fromBytes("{\"id\":\"s_AAAAAAAAAAAAAAAAAAAAAA\",\"status\":\"completed\"}"
                .getBytes(StandardCharsets.UTF_8), SessionSummary.class);
        assertThat(summary.conversationId()).isNull();
    }

    @Test
    void aSessionWithoutAConversationWritesNoConversationField() {
        String json = Json.toString(new TokenEvent.Start("s_AAAAAAAAAAAAAAAAAAAAAA", 1, "sim", "m"));
        assertThat(json).doesNotContain("conversation_id");
        assertThat(Json.toString(new TokenEvent.Start("s_AAAAAAAAAAAAAAAAAAAAAA", 1, "sim", "m", "c1")))
                .contains("\"conversation_id\":\"c1\"");
    }
}
