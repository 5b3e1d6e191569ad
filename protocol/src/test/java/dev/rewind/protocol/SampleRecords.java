package dev.rewind.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;

/** Realistic values of every record type of every topic, with and without their optional fields. */
final class SampleRecords {

    static final String SESSION = "s_Xk3pQ9vL2mN8rT5wY7zA1b";
    static final Instant CREATED = Instant.parse("2026-11-24T10:15:30.123Z");
    static final Instant LATER = Instant.parse("2026-11-24T10:15:31.987654321Z");

    /** One value written to one topic; the label names it in test reports. */
    record Sample(String topic, String label, Object value) {
        @SuppressWarnings("unchecked")
        Serde<Object> serde() {
            return (Serde<Object>) SERDES.get(topic);
        }

        byte[] write() {
            return serde().serializer().serialize(topic, value);
        }

        @Override
        public String toString() {
            return topic + ": " + label;
        }
    }

    static final Map<String, Serde<?>> SERDES = Map.of(
            Topics.REQUESTS, Serdes.REQUEST,
            Topics.CONTROL, Serdes.CONTROL,
            Topics.CHUNKS, Serdes.CHUNK,
            Topics.TOKENS, Serdes.TOKEN,
            Topics.SESSIONS, Serdes.SESSION,
            Topics.CHUNKS_DLQ, Serdes.DEAD_LETTER,
            Topics.ANALYTICS, Serdes.ANALYTICS);

    private SampleRecords() {}

    static Stream<Sample> all() {
        return Stream.of(requests(), control(), chunks(), tokens(), sessions(), deadLetters(), analytics()).flatMap(List::stream);
    }

    static Sample find(String label) {
        return all().filter(s -> s.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no sample " + label));
    }

    static List<Sample> requests() {
        return List.of(
                new Sample(Topics.REQUESTS, "start with tools and every message kind", new RequestRecord.Start(
                        SESSION, "team-a", "sim", ProviderFormat.OPENAI_CHAT, "sim-small", conversation(), params(),
                        CREATED, "idem-7f3a91", "chat_01-thread")),
                new Sample(Topics.REQUESTS, "start without params or idempotency key", new RequestRecord.Start(
                        SESSION, "team-b", "sim-anthropic", ProviderFormat.ANTHROPIC, "claude-sim",
                        List.of(ChatMessage.text("user", "Hello")), null, CREATED, null)));
    }

    static List<Sample> control() {
        return List.of(
                new Sample(Topics.CONTROL, "cancel by key with reason",
                        new ControlRecord.Cancel(SESSION, "team-a", "user pressed stop", LATER)),
                new Sample(Topics.CONTROL, "cancel by read token without reason",
                        new ControlRecord.Cancel(SESSION, "read-token", null, LATER)));
    }

    static List<Sample> chunks() {
        byte[] sse = "data: {\"choices\":[{\"delta\":{\"content\":\"caf\u00e9\"}}]}\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] splitMidCharacter = Arrays.copyOf(sse, sse.length - 8); // ends between the two bytes of é
        return List.of(
                new Sample(Topics.CHUNKS, "chunk of SSE bytes",
                        new ChunkRecord.Chunk(SESSION, 1, 1, ProviderFormat.OPENAI_CHAT, sse, LATER)),
                new Sample(Topics.CHUNKS, "chunk split mid UTF-8 character",
                        new ChunkRecord.Chunk(SESSION, 2, 14, ProviderFormat.GEMINI, splitMidCharacter, LATER)),
                new Sample(Topics.CHUNKS, "attempt started streaming", new ChunkRecord.AttemptStarted(SESSION, 1, 200,
                        "text/event-stream; charset=utf-8", "sim", "sim-small", ProviderFormat.OPENAI_CHAT, CREATED)),
                new Sample(Topics.CHUNKS, "attempt started with an error status and no model",
                        new ChunkRecord.AttemptStarted(SESSION, 1, 529, "application/json", "sim-anthropic", null,
                                ProviderFormat.ANTHROPIC, CREATED)),
                new Sample(Topics.CHUNKS, "retry scheduled after 429",
                        new ChunkRecord.RetryScheduled(SESSION, 1, 3000, "upstream 429", 429, LATER)),
                new Sample(Topics.CHUNKS, "retry scheduled after a connect timeout",
                        new ChunkRecord.RetryScheduled(SESSION, 2, 1250, "connect timeout", null, LATER)),
                new Sample(Topics.CHUNKS, "attempt completed without reason",
                        new ChunkRecord.AttemptEnded(SESSION, 1, AttemptOutcome.COMPLETED, null, false, LATER)),
                new Sample(Topics.CHUNKS, "attempt stalled and will retry",
                        new ChunkRecord.AttemptEnded(SESSION, 1, AttemptOutcome.STALLED, "no bytes for 30000 ms", true, LATER)),
                new Sample(Topics.CHUNKS, "session completed",
                        new ChunkRecord.SessionEnded(SESSION, 1, SessionOutcome.COMPLETED, null, null, null, null, LATER)),
                new Sample(Topics.CHUNKS, "session failed", new ChunkRecord.SessionEnded(SESSION, 3, SessionOutcome.FAILED,
                        "upstream 401", "upstream_unauthorized", false, null, LATER)),
                new Sample(Topics.CHUNKS, "session queued for a stream slot",
                        new ChunkRecord.SessionQueued(SESSION, 1, 37, 1024, CREATED)),
                new Sample(Topics.CHUNKS, "session cancelled", new ChunkRecord.SessionEnded(SESSION, 1,
                        SessionOutcome.CANCELLED, "user pressed stop", null, null, "team-a", LATER)));
    }

    static List<Sample> tokens() {
        ObjectNode usage = usage();
        ObjectNode arguments = Json.MAPPER.createObjectNode().put("path", "src/Main.java").put("max_lines", 200);
        return List.of(
                new Sample(Topics.TOKENS, "start", new TokenEvent.Start(SESSION, 1, "sim", "sim-small")),
                new Sample(Topics.TOKENS, "start of a conversation's turn",
                        new TokenEvent.Start(SESSION, 1, "sim", "sim-small", "chat_01-thread")),
                new Sample(Topics.TOKENS, "token", new TokenEvent.Token(SESSION, 2, "Caf\u00e9 \uD83D\uDE00 ")),
                new Sample(Topics.TOKENS, "reasoning", new TokenEvent.Reasoning(SESSION, 3, "The user wants a file.")),
                new Sample(Topics.TOKENS, "refusal", new TokenEvent.Refusal(SESSION, 4, "I can't help with that.")),
                new Sample(Topics.TOKENS, "tool call first fragment", new TokenEvent.ToolCall(
                        SESSION, 5, 0, 1, "call_9xQ2", "read_file", "{\"pa", null, false)),
                new Sample(Topics.TOKENS, "tool call middle fragment without ids",
                        new TokenEvent.ToolCall(SESSION, 6, 0, null, null, null, "th\": \"src/", null, false)),
                new Sample(Topics.TOKENS, "tool call final fragment", new TokenEvent.ToolCall(
                        SESSION, 7, 0, 1, null, null, "Main.java\", \"max_lines\": 200}", arguments, true)),
                new Sample(Topics.TOKENS, "status retrying",
                        new TokenEvent.Status(SESSION, 8, "retrying", 2, 3000L, "upstream 503")),
                new Sample(Topics.TOKENS, "status connected without delay",
                        new TokenEvent.Status(SESSION, 9, "connected", 2, null, null)),
                new Sample(Topics.TOKENS, "status queued with its position", new TokenEvent.Status(
                        SESSION, 9, "queued", 1, null, "waiting for an upstream stream slot: 36 sessions ahead", 37)),
                new Sample(Topics.TOKENS, "warning", new TokenEvent.Warning(
                        SESSION, 10, "malformed_fragment", "skipped a line that is not JSON")),
                new Sample(Topics.TOKENS, "reset with reason",
                        new TokenEvent.Reset(SESSION, 11, 2, "upstream disconnected mid-stream")),
                new Sample(Topics.TOKENS, "reset without reason", new TokenEvent.Reset(SESSION, 11, 3, null)),
                new Sample(Topics.TOKENS, "done with provider reason and usage",
                        new TokenEvent.Done(SESSION, 40, "tool_calls", "tool_use", usage)),
                new Sample(Topics.TOKENS, "done with finish reason only",
                        new TokenEvent.Done(SESSION, 40, "stop", null, null)),
                new Sample(Topics.TOKENS, "error", new TokenEvent.Error(
                        SESSION, 40, "limit", "response exceeded 16777216 bytes", false)),
                new Sample(Topics.TOKENS, "cancelled by key",
                        new TokenEvent.Cancelled(SESSION, 40, "team-a", "user pressed stop")),
                new Sample(Topics.TOKENS, "cancelled without details", new TokenEvent.Cancelled(SESSION, 2, null, null)));
    }

    static List<Sample> sessions() {
        List<SessionSummary.Attempt> attempts = List.of(
                new SessionSummary.Attempt(1, CREATED, 503, "failed", "upstream 503", 3000L),
                new SessionSummary.Attempt(2, LATER, 200, "completed", null, null));
        return List.of(
                new Sample(Topics.SESSIONS, "completed summary", new SessionSummary(SESSION, "team-a", "sim",
                        ProviderFormat.OPENAI_CHAT, "sim-small", CREATED, SessionSummary.Status.COMPLETED, attempts, 42,
                        usage(), 180L, 2400L, null, null, 2, "chat_01-thread")),
                new Sample(Topics.SESSIONS, "failed summary", new SessionSummary(SESSION, "team-b", "sim-gemini",
                        ProviderFormat.GEMINI, "gemini-sim", CREATED, SessionSummary.Status.FAILED,
                        List.of(new SessionSummary.Attempt(1, CREATED, 401, "failed", "upstream 401", null)), 0, null,
                        null, 95L, new SessionSummary.ErrorInfo("upstream_unauthorized", "upstream 401", false), null, 4)),
                new Sample(Topics.SESSIONS, "cancelled summary", new SessionSummary(SESSION, "team-a", "sim",
                        ProviderFormat.OPENAI_CHAT, "sim-small", CREATED, SessionSummary.Status.CANCELLED,
                        List.of(new SessionSummary.Attempt(1, CREATED, 200, "cancelled", "user pressed stop", null)), 7,
                        null, 150L, 900L, null, "team-a", 0)),
                new Sample(Topics.SESSIONS, "pending summary with required fields only", new SessionSummary(SESSION,
                        null, null, null, null, null, SessionSummary.Status.PENDING, null, 0, null, null, null, null,
                        null, null)));
    }

    static List<Sample> deadLetters() {
        return List.of(
                new Sample(Topics.CHUNKS_DLQ, "malformed fragment", new DeadLetter(SESSION, Topics.CHUNKS, 2, 18733,
                        "malformed", "data: {\"choices\":[{\"delta\":{\"content\":\"Hel", LATER)),
                new Sample(Topics.CHUNKS_DLQ, "without source metadata or excerpt",
                        new DeadLetter(SESSION, null, -1, -1, "unknown-record", null, null)));
    }

    static List<Sample> analytics() {
        Instant minute = Instant.parse("2026-11-24T10:15:00Z");
        AnalyticsRecord.SeriesStats busy = new AnalyticsRecord.SeriesStats(
                new AnalyticsRecord.SessionCounts(5, 2, 2, 1), 120, 5, 4000, 30.0,
                new AnalyticsRecord.Latency(4, 150L, 310L, 310L, 310L),
                new AnalyticsRecord.Latency(5, 2400L, 4100L, 4100L, 4100L), 1, 1,
                List.of(new AnalyticsRecord.ErrorCount("upstream_bad_request", 2)), minute, LATER);
        AnalyticsRecord.SeriesStats startsOnly = new AnalyticsRecord.SeriesStats(
                new AnalyticsRecord.SessionCounts(1, 0, 0, 0), 0, 0, 0, null,
                new AnalyticsRecord.Latency(0, null, null, null, null),
                new AnalyticsRecord.Latency(0, null, null, null, null), 0, 0, null, null, null);
        return List.of(
                new Sample(Topics.ANALYTICS, "window with every number", new AnalyticsRecord.Window("sim", "sim-small",
                        minute, minute.plusSeconds(60), minute.plusSeconds(660), 2.0, busy)),
                new Sample(Topics.ANALYTICS, "window with a start only", new AnalyticsRecord.Window("sim", "sim-small",
                        minute, minute.plusSeconds(60), minute.plusSeconds(660), 0.0, startsOnly)),
                new Sample(Topics.ANALYTICS, "running total", new AnalyticsRecord.Total("sim", "sim-small", busy)));
    }

    private static List<ChatMessage> conversation() {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        parts.addObject().put("type", "text").put("text", "What is in this file?");
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        ObjectNode call = toolCalls.addObject().put("id", "call_1").put("type", "function");
        call.putObject("function").put("name", "read_file").put("arguments", "{\"path\":\"a.txt\"}");
        return List.of(
                ChatMessage.text("system", "Answer briefly."),
                new ChatMessage("user", parts, "alice", null, null),
                new ChatMessage("assistant", null, null, toolCalls, null),
                new ChatMessage("tool", TextNode.valueOf("hello world"), null, null, "call_1"));
    }

    private static ObjectNode params() {
        ObjectNode params = Json.MAPPER.createObjectNode().put("temperature", 0.2).put("max_tokens", 256);
        ObjectNode function = params.putArray("tools").addObject().put("type", "function").putObject("function");
        function.put("name", "read_file").put("description", "Reads a file");
        JsonNode schema = Json.fromString(
                "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}",
                JsonNode.class);
        function.set("parameters", schema);
        return params;
    }

    private static ObjectNode usage() {
        return Json.MAPPER.createObjectNode().put("prompt_tokens", 19).put("completion_tokens", 42).put("total_tokens", 61);
    }
}
