package dev.rewind.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.processor.session.ProcessorMetrics;
import dev.rewind.processor.session.SessionAssembler;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkSerde;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.usage.AttemptUsage;
import dev.rewind.protocol.usage.Cost;
import dev.rewind.protocol.usage.TokenUsage;
import java.math.BigDecimal;
import dev.rewind.protocol.config.ConfigLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessorTopologyTest {

    private static final String S = "s_AAAAAAAAAAAAAAAAAAAAAA";
    /** The terminal events' usage and cost, checked by their own tests. */
    private static final String[] USAGE_FIELDS = {"attemptUsage", "totalUsage", "cost"};
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, RequestRecord> requests;
    private TestInputTopic<String, ChunkRecord> chunks;
    private TestOutputTopic<String, TokenEvent> tokens;
    private TestOutputTopic<String, SessionSummary> sessions;
    private TestOutputTopic<String, DeadLetter> dlq;
    private TestInputTopic<String, byte[]> rawChunks;
    private int lastAttempt = 1;

    @BeforeEach
    void start() {
        startWith("");
    }

    /** Starts the driver with {@code yaml} added to the test's config. */
    private void startWith(String yaml) {
        ProcessorConfig config = ConfigLoader.load(ProcessorConfig.class,
                ConfigLoader.parseYaml("state_dir: \"" + stateDir + "\"\n" + yaml), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml");
        driver = new TopologyTestDriver(ProcessorTopology.buildTopology(config, new ProcessorMetrics(registry)), ProcessorTopology.streamsConfig(config));
        requests = driver.createInputTopic(Topics.REQUESTS, new StringSerializer(), Serdes.REQUEST);
        chunks = driver.createInputTopic(Topics.CHUNKS, new StringSerializer(), Serdes.CHUNK);
        tokens = driver.createOutputTopic(Topics.TOKENS, new StringDeserializer(), Serdes.TOKEN);
        sessions = driver.createOutputTopic(Topics.SESSIONS, new StringDeserializer(), Serdes.SESSION);
        dlq = driver.createOutputTopic(Topics.CHUNKS_DLQ, new StringDeserializer(), Serdes.DEAD_LETTER);
        rawChunks = driver.createInputTopic(Topics.CHUNKS, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void carriesTheConversationIdIntoTheStartEventAndEverySummary() {
        requests.pipeInput(S, new RequestRecord.Start(S, "owner-1", "sim", ProviderFormat.OPENAI_CHAT, "sim-small",
                List.of(RequestRecord.ChatMessage.text("user", "hi")), Json.MAPPER.createObjectNode(), T0, null, "chat-7"), T0);
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        attemptEnded(1, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        assertThat(tokens.readValuesToList().getFirst()).isEqualTo(new TokenEvent.Start(S, 1, "sim", "sim-small", "chat-7"));
        assertThat(sessions.readValuesToList()).isNotEmpty().allSatisfy(summary ->
                assertThat(summary.conversationId()).isEqualTo("chat-7"));
    }

    @Test
    void turnsAStreamIntoStartTokensAndOneDone() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\nda");
        chunk(1, 2, "ta: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"total_tokens\":5}}\n\ndata: [DONE]\n\n");
        attemptEnded(1, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(events.get(0)).isEqualTo(new TokenEvent.Start(S, 1, "sim", "sim-small"));
        assertThat(events.get(1)).isEqualTo(new TokenEvent.Token(S, 2, "Hel"));
        assertThat(events.get(2)).isEqualTo(new TokenEvent.Token(S, 3, "lo"));
        assertThat(events.get(3)).isInstanceOfSatisfying(TokenEvent.Done.class, done -> {
            assertThat(done.finishReason()).isEqualTo("stop");
            assertThat(done.providerFinishReason()).isEqualTo("stop");
            assertThat(done.usage().get("total_tokens").asInt()).isEqualTo(5);
        });
        SessionSummary last = lastSummary();
        assertThat(last.status()).isEqualTo(SessionSummary.Status.COMPLETED);
        assertThat(last.tokenCount()).isEqualTo(2);
        assertThat(last.owner()).isEqualTo("owner-1");
        assertThat(last.attempts()).singleElement().satisfies(a -> {
            assertThat(a.upstreamStatus()).isEqualTo(200);
            assertThat(a.outcome()).isEqualTo("completed");
        });
        assertThat(last.ttftMs()).isNotNull();
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void aSessionsReportedUsageGoesIntoTheGenAiTokenUsageMetric() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n");
        attemptEnded(1, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        var usage = registry.find("gen_ai.client.token.usage").tag("gen_ai.request.model", "sim-small")
                .tag("gen_ai.provider.name", "openai").tag("rewind.upstream", "sim");
        assertThat(usage.tag("gen_ai.token.type", "input").summary().totalAmount()).isEqualTo(7);
        assertThat(registry.find("gen_ai.client.token.usage").tag("gen_ai.token.type", "output").summary().totalAmount())
                .isEqualTo(1);
    }

    @Test
    void aRetryBecomesStatusEventsAndANewAttemptAfterOutputBecomesAReset() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"partial\"}}]}\n\n");
        attemptEnded(1, AttemptOutcome.FAILED);
        chunks.pipeInput(S, new ChunkRecord.RetryScheduled(S, 1, 3000, "upstream connection broke", null, T0), T0.plusMillis(50));
        attemptStarted(2, 200);
        chunk(2, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"whole\"},\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName)
                .containsExactly("start", "token", "status", "reset", "status", "token", "done");
        assertThat(events.get(2)).isEqualTo(new TokenEvent.Status(S, 3, "retrying", 2, 3000L, "upstream connection broke"));
        assertThat(events.get(3)).isInstanceOfSatisfying(TokenEvent.Reset.class, r -> assertThat(r.attempt()).isEqualTo(2));
        assertThat(events.get(6)).isInstanceOfSatisfying(TokenEvent.Done.class, d -> assertThat(d.finishReason()).isEqualTo("length"));
        assertThat(lastSummary().attempts()).hasSize(2);
    }

    @Test
    void everyAttemptKeepsItsUsageAndCostTheInterruptedOneEstimatedFromItsText() {
        driver.close();
        startWith("""
                prices:
                  currency: EUR
                  models: {sim: {sim-small: {input: 1, output: 2, cached_input: 0.5}}}
                """);
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"partial\"}}]}\n\n");
        attemptEnded(1, AttemptOutcome.FAILED);
        attemptStarted(2, 200);
        chunk(2, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"whole\"},\"finish_reason\":\"stop\"}],\"usage\":"
                + "{\"prompt_tokens\":10,\"completion_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        // attempt 1 reported nothing: "partial" is 7 characters, 2 tokens at 4 per token, 2 x 2 EUR per million
        TokenUsage estimated = TokenUsage.estimatedFromText(7);
        Cost estimatedCost = new Cost("EUR", new BigDecimal("0.000004"), true);
        // attempt 2: 6 uncached x 1 + 4 cached x 0.5 + 5 output x 2 = 18 per million
        TokenUsage reported = TokenUsage.reported(10L, 5L, null, 4L);
        Cost reportedCost = new Cost("EUR", new BigDecimal("0.000018"), false);
        SessionSummary last = lastSummary();
        assertThat(last.attempts()).extracting(SessionSummary.Attempt::usage).containsExactly(estimated, reported);
        assertThat(estimated.outputTokens()).isEqualTo(2);
        assertThat(last.attempts()).extracting(SessionSummary.Attempt::cost).containsExactly(estimatedCost, reportedCost);
        assertThat(last.totalUsage()).isEqualTo(new TokenUsage(10L, 7L, null, 4L, true));
        assertThat(last.cost()).isEqualTo(new Cost("EUR", new BigDecimal("0.000022"), true));
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).contains("reset");
        assertThat(events.getLast()).isInstanceOfSatisfying(TokenEvent.Done.class, done -> {
            assertThat(done.attemptUsage()).containsExactly(new AttemptUsage(1, estimated, estimatedCost),
                    new AttemptUsage(2, reported, reportedCost));
            assertThat(done.totalUsage()).isEqualTo(last.totalUsage());
            assertThat(done.cost()).isEqualTo(last.cost());
        });
    }

    @Test
    void aModelWithoutAPriceHasUsageButNoCostNeverZero() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n"
                + "data: [DONE]\n\n");
        attemptEnded(1, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.FAILED, "limit", false);

        SessionSummary last = lastSummary();
        assertThat(last.attempts()).singleElement().satisfies(a -> {
            assertThat(a.usage()).isEqualTo(TokenUsage.reported(3L, 1L, null, null));
            assertThat(a.cost()).isNull();
        });
        assertThat(last.cost()).isNull();
        assertThat(tokens.readValuesToList().getLast()).isInstanceOfSatisfying(TokenEvent.Error.class, error -> {
            assertThat(error.attemptUsage()).containsExactly(new AttemptUsage(1, TokenUsage.reported(3L, 1L, null, null), null));
            assertThat(error.cost()).isNull();
        });
    }

    @Test
    void aQueueMarkerThatArrivesAfterItsAttemptStartedSaysNothing() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n");
        chunks.pipeInput(S, new ChunkRecord.SessionQueued(S, 1, 4, 256, T0), T0.plusMillis(60));
        assertThat(tokens.readValuesToList()).extracting(TokenEvent::eventName).containsExactly("start", "token");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void aChunkUnderAnotherSessionsKeyIsDeadLetteredNotApplied() {
        request();
        attemptStarted(1, 200);
        String other = "s_BBBBBBBBBBBBBBBBBBBBBB";
        chunks.pipeInput(S, new ChunkRecord.Chunk(other, 1, 1, ProviderFormat.OPENAI_CHAT,
                "data: {\"choices\":[{\"delta\":{\"content\":\"injected\"}}]}\n\n".getBytes(StandardCharsets.UTF_8), T0),
                T0.plusMillis(20));
        assertThat(tokens.readValuesToList()).noneMatch(TokenEvent.Token.class::isInstance);
        assertThat(dlq.readValuesToList()).singleElement().satisfies(letter -> assertThat(letter.reason()).isEqualTo("wrong-key"));
    }

    @Test
    void aQueuedSessionSaysWhereItWaitsBeforeItsAttemptStarts() {
        request();
        chunks.pipeInput(S, new ChunkRecord.SessionQueued(S, 1, 3, 256, T0), T0.plusMillis(10));
        chunks.pipeInput(S, new ChunkRecord.SessionQueued(S, 1, 1, 256, T0), T0.plusMillis(20));
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "status", "status", "token", "done");
        assertThat(events.get(1)).isEqualTo(new TokenEvent.Status(S, 2, "queued", 1, null,
                "waiting for an upstream stream slot: 2 sessions ahead", 3));
        assertThat(events.get(2)).isEqualTo(new TokenEvent.Status(S, 3, "queued", 1, null,
                "waiting for an upstream stream slot: 0 sessions ahead", 1));
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void aFailedSessionEndsWithOneErrorCarryingTheMarkersCodeAndReason() {
        request();
        attemptStarted(1, 429);
        chunk(1, 1, "{\"error\":{\"message\":\"Rate limit reached\"}}");
        sessionEnded(SessionOutcome.FAILED, "upstream_rate_limited", true);
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "error");
        assertThat(events.get(1)).usingRecursiveComparison().ignoringFields(USAGE_FIELDS).isEqualTo(new TokenEvent.Error(S, 2, "upstream_rate_limited", "upstream said no", true));
        assertThat(dlq.isEmpty()).as("an error body is audited, never parsed as a stream").isTrue();
        assertThat(lastSummary().error()).isEqualTo(new SessionSummary.ErrorInfo("upstream_rate_limited", "upstream said no", true));
    }

    @Test
    void aFailedMarkerWithoutReasonTakesTheMessageOfTheAttemptsInBandError() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\ndata: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n");
        chunks.pipeInput(S, new ChunkRecord.SessionEnded(S, 1, SessionOutcome.FAILED, null, null, false, null, T0), T0.plusMillis(900));
        assertThat(tokens.readValuesToList().getLast()).usingRecursiveComparison().ignoringFields(USAGE_FIELDS).isEqualTo(new TokenEvent.Error(S, 3, "server_error", "boom", false));
    }

    @Test
    void aCancelledSessionEndsWithCancelledNamingWhoCancelled() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n");
        chunks.pipeInput(S, new ChunkRecord.SessionEnded(S, 1, SessionOutcome.CANCELLED, "user pressed stop", null, null,
                "owner-1", T0), T0.plusMillis(900));
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "token", "cancelled");
        assertThat(events.getLast()).usingRecursiveComparison().ignoringFields(USAGE_FIELDS).isEqualTo(new TokenEvent.Cancelled(S, 3, "owner-1", "user pressed stop"));
        assertThat(lastSummary()).satisfies(summary -> {
            assertThat(summary.status()).isEqualTo(SessionSummary.Status.CANCELLED);
            assertThat(summary.cancelledBy()).isEqualTo("owner-1");
        });
    }

    @Test
    void aSessionCancelledBeforeAnyAttemptStillGetsStartAndCancelled() {
        chunks.pipeInput(S, new ChunkRecord.SessionEnded(S, 0, SessionOutcome.CANCELLED, "user pressed stop", null, null,
                "owner-1", T0), T0.plusMillis(10));
        assertThat(tokens.readValuesToList()).extracting(TokenEvent::eventName).containsExactly("start", "cancelled");
    }

    @Test
    void aCompletedSessionIsDoneEvenAfterAnInBandErrorWhichAWarningReportsFirst() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\ndata: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "token", "warning", "done");
        assertThat(events.get(2)).isInstanceOfSatisfying(TokenEvent.Warning.class, w -> {
            assertThat(w.code()).isEqualTo("upstream-error");
            assertThat(w.message()).contains("boom");
        });
    }

    @Test
    void aCompletedSessionWhoseStreamHadNoTerminalMarkerIsDoneAfterAWarning() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"cut\"}}]}\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "token", "warning", "done");
        assertThat(((TokenEvent.Warning) events.get(2)).code()).isEqualTo("unterminated-stream");
    }

    @Test
    void writesASummaryAtTheStartTheFirstTokenEachAttemptMarkerAndTheEnd() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n");
        chunk(1, 2, "data: {\"choices\":[{\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":3}}\n\ndata: [DONE]\n\n");
        attemptEnded(1, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        List<SessionSummary> summaries = sessions.readValuesToList();
        assertThat(summaries).extracting(SessionSummary::status).containsExactly(SessionSummary.Status.PENDING,
                SessionSummary.Status.STREAMING, SessionSummary.Status.STREAMING, SessionSummary.Status.STREAMING,
                SessionSummary.Status.COMPLETED);
        assertThat(summaries.get(2).tokenCount()).as("written at the first token").isEqualTo(1);
        assertThat(summaries.get(2).ttftMs()).isEqualTo(101L);
        SessionSummary last = summaries.getLast();
        assertThat(last.tokenCount()).isEqualTo(3);
        assertThat(last.usage().get("total_tokens").asInt()).isEqualTo(3);
        assertThat(last.durationMs()).isEqualTo(900L);
        assertThat(last.ttftMs()).isEqualTo(101L);
        assertThat(last.tokensPartition()).isZero();
        assertThat(last.createdAt()).isEqualTo(T0);
        assertThat(last.attempts()).usingRecursiveFieldByFieldElementComparatorIgnoringFields("usage", "cost")
                .containsExactly(new SessionSummary.Attempt(1, T0, 200, "completed", "ended", null));
    }

    @Test
    void aRequestReadAfterTheFirstTokenStillGivesTheTimeToFirstToken() {
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n");
        request();
        assertThat(lastSummary().ttftMs()).isEqualTo(101L);
    }

    @Test
    void aLostWorkersRunOfTheSameAttemptNumberReachingKafkaAfterTheNewOwnersIsDeadLettered() {
        // the frozen worker's attempt_started and first chunk were still in its producer when it froze, so the
        // new owner saw no attempt and ran attempt 1 again, in a later generation; the old records came after
        request();
        attemptStartedIn(1, 7);
        chunkIn(1, 1, 7, "data: {\"choices\":[{\"delta\":{\"content\":\"Naïve\"}}]}\n\n");
        attemptStartedIn(1, 5);
        chunkIn(1, 1, 5, "data: {\"choices\":[{\"delta\":{\"content\":\"Naïve\"}}]}\n\n");
        chunkIn(1, 2, 7, "data: {\"choices\":[{\"delta\":{\"content\":\" naïve\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        attemptEndedIn(1, 5, AttemptOutcome.FAILED);
        attemptEndedIn(1, 7, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "token", "token", "done");
        assertThat(events).filteredOn(TokenEvent.Token.class::isInstance).extracting(e -> ((TokenEvent.Token) e).text())
                .containsExactly("Naïve", " naïve");
        assertThat(deadLetters("unknown-attempt")).isEqualTo(3);
        assertThat(dlq.readValuesToList()).extracting(DeadLetter::excerpt)
                .allSatisfy(excerpt -> assertThat(excerpt).contains("writer generations 5 and 7"));
        assertThat(lastSummary().attempts()).extracting(SessionSummary.Attempt::outcome).containsExactly("completed");
    }

    @Test
    void aNewOwnersRunOfTheSameAttemptNumberResetsTheLostWorkersOutputAndOnlyItsChunksCountAfter() {
        request();
        attemptStartedIn(1, 5);
        chunkIn(1, 1, 5, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
        attemptStartedIn(1, 7); // the new owner never saw attempt 1 of the worker that lost the session
        chunkIn(1, 1, 7, "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n");
        chunkIn(1, 2, 5, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"); // sent by the old one on waking
        chunkIn(1, 2, 7, "data: {\"choices\":[{\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        attemptEndedIn(1, 7, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "token", "reset", "token", "token", "done");
        assertThat(events).filteredOn(TokenEvent.Token.class::isInstance).extracting(e -> ((TokenEvent.Token) e).text())
                .containsExactly("a", "b", "c");
        assertThat(deadLetters("unknown-attempt")).isEqualTo(1);
    }

    @Test
    void aStaleAttemptEndedFromAWorkerThatLostTheSessionChangesNothingAndIsDeadLettered() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
        attemptStarted(2, 200); // the new owner's attempt, while the frozen worker still thinks it runs attempt 1
        chunk(2, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n");
        attemptEnded(1, AttemptOutcome.FAILED); // the frozen worker wakes up and writes its end
        chunk(2, 2, "data: {\"choices\":[{\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        attemptEnded(2, AttemptOutcome.COMPLETED);
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName)
                .containsExactly("start", "token", "reset", "status", "token", "token", "done");
        assertThat(events).filteredOn(TokenEvent.Token.class::isInstance).extracting(e -> ((TokenEvent.Token) e).text())
                .containsExactly("a", "b", "c");
        assertThat(dlq.readValuesToList()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("unknown-attempt");
            assertThat(letter.sourceTopic()).isEqualTo(Topics.CHUNKS);
            assertThat(letter.excerpt()).contains("attempt 1").contains("attempt 2 is current");
        });
        assertThat(lastSummary().attempts()).extracting(SessionSummary.Attempt::outcome).containsExactly(null, "completed");
        assertThat(deadLetters("unknown-attempt")).isEqualTo(1);
    }

    @Test
    void anUnreadableEnvelopeIsDeadLetteredWithItsSourceAndCountedAndTheSessionGoesOn() {
        request();
        attemptStarted(1, 200);
        rawChunks.pipeInput(S, "not json at all".getBytes(StandardCharsets.UTF_8), T0.plusMillis(150));
        rawChunks.pipeInput(S, "{\"type\":\"chunk\",\"session_id\":null}".getBytes(StandardCharsets.UTF_8), T0.plusMillis(151));
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        assertThat(tokens.readValuesToList()).extracting(TokenEvent::eventName).containsExactly("start", "token", "done");
        List<DeadLetter> letters = dlq.readValuesToList();
        assertThat(letters).extracting(DeadLetter::reason).containsExactly("unreadable-record", "unreadable-record");
        assertThat(letters.get(0)).satisfies(letter -> {
            assertThat(letter.sessionId()).isEqualTo(S);
            assertThat(letter.sourceTopic()).isEqualTo(Topics.CHUNKS);
            assertThat(letter.partition()).isEqualTo(0);
            assertThat(letter.offset()).isEqualTo(1);
            assertThat(letter.excerpt()).isEqualTo("not json at all");
        });
        assertThat(deadLetters("unreadable-record")).isEqualTo(2);
    }

    @Test
    void aRecordOfAnUnknownTypeIsSkippedAndCountedNotDeadLettered() {
        request();
        rawChunks.pipeInput(S, ("{\"type\":\"attempt_paused\",\"session_id\":\"" + S + "\",\"attempt\":1}")
                .getBytes(StandardCharsets.UTF_8), T0.plusMillis(10));
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        assertThat(tokens.readValuesToList()).extracting(TokenEvent::eventName).containsExactly("start", "token", "done");
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(registry.get("rewind.processor.skipped.records").tag("topic", Topics.CHUNKS).counter().count()).isEqualTo(1);
    }

    @Test
    void aRecordWhoseProcessingThrowsIsDeadLetteredWithTheExceptionAndTheSessionWarnedThenEndedOnASecond() throws Exception {
        request();
        var store = driver.<String, byte[]>getKeyValueStore(SessionAssembler.STORE);
        var broken = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(store.get(S));
        broken.putArray("attempts").addNull(); // a state this version mishandles: updating its attempts throws
        store.put(S, Json.MAPPER.writeValueAsBytes(broken));
        tokens.readValuesToList();

        attemptStarted(1, 200);
        List<TokenEvent> afterFirst = tokens.readValuesToList();
        assertThat(afterFirst).singleElement().isInstanceOfSatisfying(TokenEvent.Warning.class, w -> {
            assertThat(w.seq()).isEqualTo(2);
            assertThat(w.code()).isEqualTo("processing-error");
        });
        assertThat(dlq.readValuesToList()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("processing-error");
            assertThat(letter.excerpt()).startsWith(NullPointerException.class.getName());
        });

        attemptStarted(2, 200);
        assertThat(tokens.readValuesToList()).singleElement().isInstanceOfSatisfying(TokenEvent.Error.class, e -> {
            assertThat(e.seq()).isEqualTo(3);
            assertThat(e.code()).isEqualTo("processing_error");
        });
        assertThat(dlq.readValuesToList()).extracting(DeadLetter::reason).containsExactly("processing-error");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        assertThat(tokens.isEmpty()).as("exactly one terminal event").isTrue();
        assertThat(dlq.readValuesToList()).extracting(DeadLetter::reason).containsExactly("after-end");
        assertThat(registry.get("rewind.processor.processing.errors").counter().count()).isEqualTo(2);
    }

    @Test
    void unreadableStoredStateIsDeadLetteredAndTheSessionEndedWithAnErrorOnce() {
        request();
        attemptStarted(1, 200);
        var store = driver.<String, byte[]>getKeyValueStore(SessionAssembler.STORE);
        store.put(S, "{\"next_seq\":7,\"attempt\":\"one\"}".getBytes(StandardCharsets.UTF_8));
        tokens.readValuesToList();

        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n");
        chunk(1, 2, "data: {\"choices\":[{\"delta\":{\"content\":\"y\"}}]}\n\n");

        assertThat(tokens.readValuesToList()).singleElement().isInstanceOfSatisfying(TokenEvent.Error.class, e -> {
            assertThat(e.seq()).isEqualTo(7);
            assertThat(e.code()).isEqualTo("processing_error");
        });
        assertThat(dlq.readValuesToList()).extracting(DeadLetter::reason).containsExactly("unreadable-state", "after-end");
        assertThat(store.get(S)).isNull();
    }

    @Test
    void longToolArgumentsKeepTheStoredStateSmallAndStillGiveEveryFragmentPacedSnapshotsAndTheWholeFinalValue() {
        request();
        attemptStarted(1, 200);
        var store = driver.<String, byte[]>getKeyValueStore(SessionAssembler.STORE);
        chunk(1, 1, toolCallChunk("{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"write\",\"arguments\":\"{\\\"content\\\":\\\"\"}}"));
        String piece = "abcdefghijklmnopqrst"; // 20 characters: 100 KiB in about 5,000 fragments
        int largestState = 0;
        for (int i = 0; i < 5_000; i++) {
            chunk(1, 2 + i, toolCallChunk("{\"index\":0,\"function\":{\"arguments\":\"" + piece + "\"}}"));
            largestState = Math.max(largestState, store.get(S).length);
        }
        chunk(1, 5_002, toolCallChunk("{\"index\":0,\"function\":{\"arguments\":\"\\\"}\"}}") + "data: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);

        assertThat(largestState).as("the state written per record holds at most a segment of the arguments").isLessThan(16 * 1024);
        List<TokenEvent.ToolCall> calls = tokens.readValuesToList().stream().filter(TokenEvent.ToolCall.class::isInstance)
                .map(TokenEvent.ToolCall.class::cast).toList();
        assertThat(calls).hasSize(5_003);
        assertThat(calls.stream().map(TokenEvent.ToolCall::argumentsDelta).reduce("", String::concat))
                .isEqualTo("{\"content\":\"" + piece.repeat(5_000) + "\"}");
        assertThat(calls.getLast().isFinal()).isTrue();
        assertThat(calls.getLast().arguments().get("content").asText()).isEqualTo(piece.repeat(5_000));
        List<TokenEvent.ToolCall> snapshots = calls.stream().filter(c -> !c.isFinal() && c.arguments() != null).toList();
        assertThat(snapshots).as("one per KiB up to 8 KiB, then one per eighth of the length").hasSizeBetween(20, 40);
        assertThat(snapshots.getLast().arguments().get("content").asText()).startsWith(piece.repeat(1_000));
        assertThat(store.get(S)).isNull();
        assertThat(driver.<String, String>getKeyValueStore(SessionAssembler.ARGUMENTS_STORE).approximateNumEntries())
                .as("the ended session's segments are gone").isZero();
    }

    private static String toolCallChunk(String toolCall) {
        return "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[" + toolCall + "]}}]}\n\n";
    }

    private double deadLetters(String reason) {
        return registry.get("rewind.processor.dead.letters").tag("reason", reason).counter().count();
    }

    @Test
    void theStoreStaysTheTruthWhenItsStateChangesUnderTheKeptObject() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n");
        var store = driver.<String, byte[]>getKeyValueStore(SessionAssembler.STORE);
        byte[] afterX = store.get(S);
        chunk(1, 2, "data: {\"choices\":[{\"delta\":{\"content\":\"y\"}}]}\n\n");
        store.put(S, afterX); // as a restore to the commit before "y" would leave it
        chunk(1, 3, "data: {\"choices\":[{\"delta\":{\"content\":\"z\"}}]}\n\n");

        assertThat(tokens.readValuesToList()).filteredOn(TokenEvent.Token.class::isInstance)
                .containsExactly(new TokenEvent.Token(S, 2, "x"), new TokenEvent.Token(S, 3, "y"), new TokenEvent.Token(S, 3, "z"));
    }

    @Test
    void anEndedSessionKeepsNoParsingStateAndIsForgottenOnceStreamTimePassesTheRetention() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n");
        assertThat(driver.<String, Object>getKeyValueStore(SessionAssembler.STORE).get(S)).isNotNull();
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        assertThat(driver.<String, Object>getKeyValueStore(SessionAssembler.STORE).get(S)).isNull();
        assertThat(endedSessionIds()).containsExactly(S);

        String later = "s_BBBBBBBBBBBBBBBBBBBBBB";
        Instant twoDaysOn = T0.plus(Duration.ofDays(2));
        chunks.pipeInput(later, new ChunkRecord.SessionEnded(later, 0, SessionOutcome.CANCELLED, "stop", null, null, "owner-1",
                twoDaysOn), twoDaysOn);
        assertThat(endedSessionIds()).as("one day of stream time later, only the new session is remembered").containsExactly(later);
    }

    @Test
    void anOllamaNdjsonStreamWithAWholeToolCallEndsDoneWithToolCalls() {
        request();
        startedIn(ProviderFormat.OLLAMA);
        chunkIn(ProviderFormat.OLLAMA, 1, "{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"hmm\"},\"done\":false}\n"
                + "{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]},\"do");
        chunkIn(ProviderFormat.OLLAMA, 2, "ne\":false}\n{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"eval_count\":9}\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "reasoning", "tool_call", "tool_call", "done");
        assertThat(events.get(2)).isEqualTo(new TokenEvent.ToolCall(S, 3, 0, null, null, "f", "{\"a\":1}", null, false));
        assertThat(events.get(3)).isInstanceOfSatisfying(TokenEvent.ToolCall.class, last -> {
            assertThat(last.isFinal()).isTrue();
            assertThat(last.arguments()).isEqualTo(Json.MAPPER.createObjectNode().put("a", 1));
        });
        assertThat(events.get(4)).usingRecursiveComparison().ignoringFields(USAGE_FIELDS).isEqualTo(new TokenEvent.Done(S, 5,
                "tool_calls", "stop", Json.MAPPER.createObjectNode().put("eval_count", 9)));
        assertThat(((TokenEvent.Done) events.get(4)).totalUsage()).isEqualTo(TokenUsage.reported(null, 9L, null, null));
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void aGeminiStreamThatEndsAfterItsFinishReasonIsDoneWithoutAWarningAndOneWithoutIsUnterminated() {
        request();
        startedIn(ProviderFormat.GEMINI);
        chunkIn(ProviderFormat.GEMINI, 1, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\r\n\r\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "token", "done");
        assertThat(events.getLast()).usingRecursiveComparison().ignoringFields(USAGE_FIELDS).isEqualTo(new TokenEvent.Done(S, 3, "length", "MAX_TOKENS", null));

        String other = "s_CCCCCCCCCCCCCCCCCCCCCC";
        chunks.pipeInput(other, new ChunkRecord.AttemptStarted(other, 1, 200, "text/event-stream", "sim", "sim-small",
                ProviderFormat.GEMINI, T0), T0.plusMillis(100));
        chunks.pipeInput(other, new ChunkRecord.Chunk(other, 1, 1, ProviderFormat.GEMINI,
                "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\r\n\r\n".getBytes(StandardCharsets.UTF_8), T0),
                T0.plusMillis(101));
        chunks.pipeInput(other, new ChunkRecord.SessionEnded(other, 1, SessionOutcome.COMPLETED, "done", null, null, null, T0),
                T0.plusMillis(900));
        assertThat(tokens.readValuesToList()).extracting(TokenEvent::eventName).containsExactly("start", "token", "warning", "done");
    }

    @Test
    void aToolCallWhoseArgumentsEndIncompleteGetsTheRepairedArgumentsOnItsFinalEventAndAWarning() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"{\\\"city\\\": \\\"Par\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).extracting(TokenEvent::eventName).containsExactly("start", "tool_call", "tool_call", "warning", "done");
        TokenEvent.ToolCall last = (TokenEvent.ToolCall) events.get(2);
        assertThat(last.isFinal()).isTrue();
        assertThat(last.arguments()).isEqualTo(Json.MAPPER.createObjectNode().put("city", "Par"));
        assertThat(((TokenEvent.Warning) events.get(3)).code()).isEqualTo("invalid-tool-arguments");
    }

    @Test
    void aFinalEventWhoseArgumentsCannotBeRepairedStillCarriesArgumentsAsJsonNull() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"oops\"}}]}}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        TokenEvent last = tokens.readValuesToList().get(2);
        assertThat(Json.MAPPER.valueToTree(last).has("arguments")).as("the schema requires arguments on a final event").isTrue();
        assertThat(Json.toString(last)).contains("\"arguments\":null");
    }

    private void startedIn(ProviderFormat format) {
        chunks.pipeInput(S, new ChunkRecord.AttemptStarted(S, 1, 200, "application/x-ndjson", "sim", "sim-small", format, T0),
                T0.plusMillis(100));
    }

    private void chunkIn(ProviderFormat format, long seq, String text) {
        chunks.pipeInput(S, new ChunkRecord.Chunk(S, 1, seq, format, text.getBytes(StandardCharsets.UTF_8), T0), T0.plusMillis(100 + seq));
    }

    private List<String> endedSessionIds() {
        WindowStore<String, Long> ended = driver.getWindowStore(SessionAssembler.ENDED_STORE);
        try (var all = ended.all()) {
            List<String> ids = new java.util.ArrayList<>();
            all.forEachRemaining(entry -> ids.add(entry.key.key()));
            return ids;
        }
    }

    @Test
    void malformedFragmentsGoToTheDlqWithAWarningAndTheStreamGoesOn() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {broken\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"fine\"}}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        assertThat(tokens.readValuesToList()).extracting(TokenEvent::eventName).containsExactly("start", "warning", "token", "done");
        DeadLetter letter = dlq.readValue();
        assertThat(letter.reason()).isEqualTo("not-json");
        assertThat(letter.sourceTopic()).isEqualTo(Topics.CHUNKS);
        assertThat(letter.excerpt()).isEqualTo("{broken");
    }

    @Test
    void recordsAfterTheEndGoToTheDlqAndNeverReopenTheSession() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        tokens.readValuesToList();
        chunk(1, 2, "data: {\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        assertThat(tokens.isEmpty()).isTrue();
        assertThat(dlq.readValuesToList()).extracting(DeadLetter::reason).containsExactly("after-end", "after-end");
    }

    @Test
    void aRequestArrivingAfterItsFirstChunkStillGivesExactlyOneStart() {
        attemptStarted(1, 200);
        request();
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        List<TokenEvent> events = tokens.readValuesToList();
        assertThat(events).filteredOn(TokenEvent.Start.class::isInstance).hasSize(1);
        assertThat(events).filteredOn(TokenEvent::isTerminal).hasSize(1);
        assertThat(lastSummary().owner()).isEqualTo("owner-1");
    }

    @Test
    void theSameInputGivesByteIdenticalOutput() {
        List<String> first = runScript();
        driver.close();
        start();
        assertThat(runScript()).isEqualTo(first);
    }

    private List<String> runScript() {
        request();
        attemptStarted(1, 200);
        chunk(1, 1, "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n");
        chunk(1, 2, "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n");
        sessionEnded(SessionOutcome.COMPLETED, null, null);
        return tokens.readValuesToList().stream().map(Json::toString).toList();
    }

    private SessionSummary lastSummary() {
        List<SessionSummary> all = sessions.readValuesToList();
        return all.getLast();
    }

    private void request() {
        requests.pipeInput(S, new RequestRecord.Start(S, "owner-1", "sim", ProviderFormat.OPENAI_CHAT, "sim-small",
                List.of(RequestRecord.ChatMessage.text("user", "hi")), Json.MAPPER.createObjectNode(), T0, null), T0);
    }

    private void attemptStarted(int attempt, int status) {
        lastAttempt = attempt;
        chunks.pipeInput(S, new ChunkRecord.AttemptStarted(S, attempt, status, status == 200 ? "text/event-stream" : "application/json",
                "sim", "sim-small", ProviderFormat.OPENAI_CHAT, T0), T0.plusMillis(100L * attempt));
    }

    private void chunk(int attempt, long seq, String text) {
        chunks.pipeInput(S, new ChunkRecord.Chunk(S, attempt, seq, ProviderFormat.OPENAI_CHAT, text.getBytes(StandardCharsets.UTF_8),
                T0), T0.plusMillis(100L * attempt + seq));
    }

    /** An attempt's records as a worker of ingest {@code generation} writes them ({@link ChunkSerde#WRITER_GENERATION}). */
    private void attemptStartedIn(int attempt, int generation) {
        lastAttempt = attempt;
        chunks.pipeInput(new TestRecord<>(S, new ChunkRecord.AttemptStarted(S, attempt, 200, "text/event-stream", "sim",
                "sim-small", ProviderFormat.OPENAI_CHAT, T0), generation(generation), T0.plusMillis(100L * attempt)));
    }

    private void chunkIn(int attempt, long seq, int generation, String text) {
        chunks.pipeInput(new TestRecord<>(S, new ChunkRecord.Chunk(S, attempt, seq, ProviderFormat.OPENAI_CHAT,
                text.getBytes(StandardCharsets.UTF_8), T0), generation(generation), T0.plusMillis(100L * attempt + seq)));
    }

    private void attemptEndedIn(int attempt, int generation, AttemptOutcome outcome) {
        chunks.pipeInput(new TestRecord<>(S, new ChunkRecord.AttemptEnded(S, attempt, outcome, "ended", false, T0),
                generation(generation), T0.plusMillis(100L * attempt + 50)));
    }

    private static Headers generation(int generation) {
        return new RecordHeaders(new Header[] {ChunkSerde.writerGeneration(generation)});
    }

    private void attemptEnded(int attempt, AttemptOutcome outcome) {
        chunks.pipeInput(S, new ChunkRecord.AttemptEnded(S, attempt, outcome, "ended", false, T0), T0.plusMillis(100L * attempt + 50));
    }

    private void sessionEnded(SessionOutcome outcome, String code, Boolean retryable) {
        chunks.pipeInput(S, new ChunkRecord.SessionEnded(S, lastAttempt, outcome, outcome == SessionOutcome.FAILED ? "upstream said no" : "done",
                code, retryable, null, T0), T0.plusMillis(900));
    }
}
