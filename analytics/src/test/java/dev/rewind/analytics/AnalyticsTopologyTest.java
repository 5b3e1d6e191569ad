package dev.rewind.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import dev.rewind.analytics.errors.UnreadableStateException;
import dev.rewind.analytics.session.SessionTracker;
import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.DeadLetter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.usage.Cost;
import dev.rewind.protocol.usage.TokenUsage;
import java.math.BigDecimal;
import dev.rewind.protocol.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyticsTopologyTest {

    private static final long T0 = Instant.parse("2026-11-24T10:00:00Z").toEpochMilli();
    private static final long GRACE_MS = 120_000;

    @TempDir
    Path stateDir;

    private static final JsonSchema SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
            SchemaLocation.of("classpath:schemas/rewind.analytics.schema.json"),
            SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());

    private final Map<String, AnalyticsRecord> written = new java.util.TreeMap<>();
    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> tokens;
    private TestInputTopic<String, byte[]> rawTokens;
    private TestInputTopic<String, SessionSummary> sessions;
    private TestOutputTopic<String, DeadLetter> dlq;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TestOutputTopic<String, AnalyticsRecord> analytics;

    @BeforeEach
    void start() {
        AnalyticsConfig config = ConfigLoader.load(AnalyticsConfig.class, ConfigLoader.parseYaml(
                "{state_dir: \"" + stateDir + "\", grace_ms: " + GRACE_MS + ", max_error_codes: 2}"), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "analytics-defaults.yaml");
        driver = new TopologyTestDriver(AnalyticsTopology.buildTopology(config), AnalyticsTopology.streamsConfig(config, registry));
        tokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), Serdes.TOKEN);
        rawTokens = driver.createInputTopic(Topics.TOKENS, new StringSerializer(), new ByteArraySerializer());
        sessions = driver.createInputTopic(Topics.SESSIONS, new StringSerializer(), Serdes.SESSION);
        dlq = driver.createOutputTopic(Topics.CHUNKS_DLQ, new StringDeserializer(), Serdes.DEAD_LETTER);
        analytics = driver.createOutputTopic(Topics.ANALYTICS, new StringDeserializer(), Serdes.ANALYTICS);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void countsARetriedAndResetSessionByUpstreamAndModelInItsWindowAndTotal() {
        List<TimedEvent> events = ScriptedSession.start("s_retried00000000000000", "sim", "sim-small", T0 + 1_000)
                .retrying(100, 1_000)
                .tokens(5, 200, 50)
                .reset(10)
                .tokens(8, 300, 25)
                .done(40);
        pipe(events);

        Map<String, AnalyticsRecord.Series> latest = latest();
        assertThat(latest).containsOnlyKeys("total|sim|sim-small", "window|sim|sim-small|2026-11-24T10:00:00Z");
        AnalyticsRecord.SeriesStats total = latest.get("total|sim|sim-small").stats();
        assertThat(total.sessions()).isEqualTo(new AnalyticsRecord.SessionCounts(1, 1, 0, 0));
        assertThat(total.tokens()).isEqualTo(8);
        assertThat(total.discardedTokens()).isEqualTo(5);
        assertThat(total.retries()).isEqualTo(1);
        assertThat(total.resets()).isEqualTo(1);
        // first output: 100 + 1000 + 200 ms after the start, although a reset threw that token away
        assertThat(total.ttftMs()).isEqualTo(new AnalyticsRecord.Latency(1, 1_300L, 1_300L, 1_300L, 1_300L));
        // generation: from the first token after the reset (7 tokens at 25 ms) to the done 40 ms later
        assertThat(total.generationMs()).isEqualTo(7 * 25 + 40);
        assertThat(total.tokensPerSecond()).isEqualTo(8 * 1000.0 / (7 * 25 + 40));
        assertExpected(events, latest);
    }

    @Test
    void sumsBilledUsageAndCostPerUpstreamAndModelLeavingUnpricedSessionsOutOfTheCost() {
        pipe(ScriptedSession.start("s_priced10000000000000", "sim", "m", T0 + 1_000).tokens(1, 10, 0)
                .done(5, TokenUsage.reported(100L, 20L, 4L, 60L), new Cost("USD", new BigDecimal("0.00125"), false)));
        pipe(ScriptedSession.start("s_priced20000000000000", "sim", "m", T0 + 2_000).tokens(1, 10, 0)
                .done(5, new TokenUsage(null, 3L, null, null, true), new Cost("USD", new BigDecimal("0.000006"), true)));
        pipe(ScriptedSession.start("s_unpriced000000000000", "sim", "m", T0 + 3_000).tokens(1, 10, 0)
                .done(5, TokenUsage.reported(7L, 1L, null, null), null));
        pipe(ScriptedSession.start("s_unbilled000000000000", "sim", "m", T0 + 4_000).done(5));

        Map<String, AnalyticsRecord.Series> latest = latest();
        AnalyticsRecord.Billing expected = new AnalyticsRecord.Billing(107, 24, 4, 60, 1, 2, 1,
                new Cost("USD", new BigDecimal("0.001256"), true));
        assertThat(latest.get("window|sim|m|2026-11-24T10:00:00Z").stats().billing()).isEqualTo(expected);
        assertThat(latest.get("total|sim|m").stats().billing()).isEqualTo(expected);
    }

    @Test
    void aSeriesWithoutAnyPricedSessionHasNoCostNotZero() {
        pipe(ScriptedSession.start("s_unpriced000000000000", "sim", "m", T0).tokens(1, 10, 0)
                .done(5, TokenUsage.reported(7L, 1L, null, null), null));
        assertThat(latest().get("total|sim|m").stats().billing().cost()).isNull();
    }

    @Test
    void sumsEachApiKeysFinalSummariesPerUpstreamAndModelPerWindow() {
        Cost cheap = new Cost("USD", new BigDecimal("0.0001"), false);
        summary("s_keya1000000000000000", "team-a", SessionSummary.Status.COMPLETED, TokenUsage.reported(10L, 5L, null, 2L), cheap, 1_000);
        summary("s_keya2000000000000000", "team-a", SessionSummary.Status.FAILED, TokenUsage.estimatedFromText(12), cheap, 2_000);
        // not final: a summary written while the session ran is not counted
        summary("s_keya3000000000000000", "team-a", SessionSummary.Status.STREAMING, TokenUsage.reported(99L, 99L, null, null),
                cheap, 3_000);
        summary("s_keyb1000000000000000", "team-b", SessionSummary.Status.CANCELLED, TokenUsage.reported(7L, 1L, null, null),
                null, 4_000);
        summary("s_keya4000000000000000", "team-a", SessionSummary.Status.COMPLETED, TokenUsage.reported(1L, 1L, null, null),
                cheap, 61_000);

        Map<String, AnalyticsRecord> latest = latestRecords();
        assertThat(latest.get("key|team-a|sim|m|2026-11-24T10:00:00Z")).isEqualTo(new AnalyticsRecord.KeyWindow("team-a",
                "sim", "m", Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + 60_000), Instant.ofEpochMilli(T0 + 60_000 + GRACE_MS),
                new AnalyticsRecord.Billing(10, 8, 0, 2, 1, 2, 0, new Cost("USD", new BigDecimal("0.0002"), false))));
        assertThat(((AnalyticsRecord.KeyWindow) latest.get("key|team-b|sim|m|2026-11-24T10:00:00Z")).billing())
                .as("an unpriced session: no cost, never 0").isEqualTo(new AnalyticsRecord.Billing(7, 1, 0, 0, 0, 0, 1, null));
        assertThat(((AnalyticsRecord.KeyWindow) latest.get("key|team-a|sim|m|2026-11-24T10:01:00Z")).billing().outputTokens())
                .isEqualTo(1);
    }

    private void summary(String id, String owner, SessionSummary.Status status, TokenUsage usage, Cost cost, long afterMs) {
        sessions.pipeInput(id, new SessionSummary(id, owner, "sim", ProviderFormat.OPENAI_CHAT, "m", Instant.ofEpochMilli(T0),
                status, List.of(), 0, null, null, null, null, null, 0, null, usage, cost), T0 + afterMs);
    }

    @Test
    void countsStartsInTheStartWindowAndEndsInTheEndWindow() {
        List<TimedEvent> events = ScriptedSession.start("s_longsession000000000", "sim", "sim-small", T0 + 59_000)
                .tokens(3, 500, 1_000)
                .done(10);
        pipe(events);

        Map<String, AnalyticsRecord.Series> latest = latest();
        assertThat(latest.get("window|sim|sim-small|2026-11-24T10:00:00Z").stats().sessions())
                .isEqualTo(new AnalyticsRecord.SessionCounts(1, 0, 0, 0));
        assertThat(latest.get("window|sim|sim-small|2026-11-24T10:01:00Z").stats().sessions())
                .isEqualTo(new AnalyticsRecord.SessionCounts(0, 1, 0, 0));
        AnalyticsRecord.Window window = (AnalyticsRecord.Window) latest.get("window|sim|sim-small|2026-11-24T10:01:00Z");
        assertThat(window.windowEnd()).isEqualTo(Instant.parse("2026-11-24T10:02:00Z"));
        assertThat(window.finalAfter()).isEqualTo(Instant.parse("2026-11-24T10:04:00Z"));
        assertExpected(events, latest);
    }

    @Test
    void countsErrorsByCodeMostFrequentFirstAndCancellationsBoundingTheCodesKept() {
        List<TimedEvent> events = new ArrayList<>();
        events.addAll(ScriptedSession.start("s_error1aaaaaaaaaaaaaaa", "sim", "m", T0).error(20, "upstream_bad_request"));
        events.addAll(ScriptedSession.start("s_error2aaaaaaaaaaaaaaa", "sim", "m", T0 + 10).error(20, "upstream_bad_request"));
        events.addAll(ScriptedSession.start("s_error3aaaaaaaaaaaaaaa", "sim", "m", T0 + 20).error(20, "limit"));
        events.addAll(ScriptedSession.start("s_error4aaaaaaaaaaaaaaa", "sim", "m", T0 + 30).error(20, "upstream_timeout"));
        events.addAll(ScriptedSession.start("s_cancel1aaaaaaaaaaaaaa", "sim", "m", T0 + 40).tokens(2, 100, 10).cancelled(5));
        pipe(events);

        AnalyticsRecord.SeriesStats total = latest().get("total|sim|m").stats();
        assertThat(total.sessions()).isEqualTo(new AnalyticsRecord.SessionCounts(5, 0, 4, 1));
        // max_error_codes is 2 here: a third distinct code is counted as "other"
        assertThat(total.topErrors()).containsExactly(
                new AnalyticsRecord.ErrorCount("upstream_bad_request", 2),
                new AnalyticsRecord.ErrorCount("limit", 1),
                new AnalyticsRecord.ErrorCount("other", 1));
        assertThat(total.ttftMs().count()).as("only the cancelled session produced output").isEqualTo(1);
        assertThat(total.durationMs().count()).isEqualTo(5);
    }

    @Test
    void aLateSessionEndWithinTheGraceCountsInItsWindowAndBeyondItOnlyInTheTotal() {
        // another series drives stream time forward by 100 s, then 200 s, past the first window's end
        List<TimedEvent> late = ScriptedSession.start("s_lateaaaaaaaaaaaaaaaaa", "sim", "late", T0 + 1_000).tokens(1, 10, 0).done(10);
        List<TimedEvent> later = ScriptedSession.start("s_lateraaaaaaaaaaaaaaaa", "sim", "late", T0 + 2_000).tokens(1, 10, 0).done(10);
        pipe(late.subList(0, 2));
        pipe(later.subList(0, 2));
        pipe(ScriptedSession.start("s_clock1aaaaaaaaaaaaaaa", "sim", "clock", T0 + 100_000).done(0));
        pipe(late.subList(2, 3)); // 99 s late: within the 120 s grace
        pipe(ScriptedSession.start("s_clock2aaaaaaaaaaaaaaa", "sim", "clock", T0 + 200_000).done(0));
        pipe(later.subList(2, 3)); // 198 s late: its window closed at 10:03:00

        Map<String, AnalyticsRecord.Series> latest = latest();
        assertThat(latest.get("window|sim|late|2026-11-24T10:00:00Z").stats().sessions())
                .isEqualTo(new AnalyticsRecord.SessionCounts(2, 1, 0, 0));
        assertThat(latest.get("total|sim|late").stats().sessions())
                .isEqualTo(new AnalyticsRecord.SessionCounts(2, 2, 0, 0));
    }

    @Test
    void aDuplicateEventAndEventsOfASessionWithoutStartAreNotCounted() {
        List<TimedEvent> events = ScriptedSession.start("s_dupaaaaaaaaaaaaaaaaaa", "sim", "m", T0).tokens(3, 100, 10).done(5);
        pipe(events.subList(0, 3));
        pipe(events.subList(1, 3)); // delivered twice
        pipe(events.subList(3, events.size()));
        pipe(events.subList(events.size() - 1, events.size())); // the terminal event again, after the end
        pipe(List.of(new TimedEvent(new TokenEvent.Token("s_orphanaaaaaaaaaaaaaaa", 7, "x"), T0 + 50),
                new TimedEvent(new TokenEvent.Done("s_orphanaaaaaaaaaaaaaaa", 8, "stop", null, null), T0 + 60)));

        AnalyticsRecord.SeriesStats total = latest().get("total|sim|m").stats();
        assertThat(total.sessions()).isEqualTo(new AnalyticsRecord.SessionCounts(1, 1, 0, 0));
        assertThat(total.tokens()).isEqualTo(3);
        assertThat(latest()).allSatisfy((key, value) -> assertThat(key).doesNotContain("orphan"));
    }

    @Test
    void percentilesOfManySessionsMatchTheExactNearestRankWithinOnePercent() {
        List<TimedEvent> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String id = "s_many" + String.format("%017d", i);
            ScriptedSession session = ScriptedSession.start(id, "sim-anthropic", "claude-sim", T0 + i * 250L)
                    .tokens(1 + i % 7, 50 + (i * 37L) % 900, 20 + i % 13);
            events.addAll(i % 10 == 0 ? session.error(15, "upstream_overloaded") : session.done(15));
        }
        events.sort(java.util.Comparator.comparingLong(TimedEvent::timestamp));
        pipe(events);
        assertExpected(events, latest());
    }

    @Test
    void aSessionWithoutTerminalEventIsForgottenAfterItsTtlOfStreamTime() {
        pipe(ScriptedSession.start("s_abandonedaaaaaaaaaaaa", "sim", "m", T0).tokens(2, 100, 10).unfinished());
        pipe(ScriptedSession.start("s_clockaaaaaaaaaaaaaaaa", "sim", "m", T0 + 86_400_000L + 120_000).done(0));
        // its end arrives after the 1 day TTL: the session is gone, so the end counts nowhere
        pipe(List.of(new TimedEvent(new TokenEvent.Done("s_abandonedaaaaaaaaaaaa", 4, "stop", null, null),
                T0 + 86_400_000L + 130_000)));
        assertThat(latest().get("total|sim|m").stats().sessions()).isEqualTo(new AnalyticsRecord.SessionCounts(2, 1, 0, 0));
    }

    @Test
    void anUnreadableTokenRecordIsDeadLetteredWithItsSourceAndAnUnknownTypeSkippedAndBothCounted() {
        String id = "s_poisoned0000000000000";
        List<TimedEvent> events = ScriptedSession.start(id, "sim", "sim-small", T0).tokens(2, 100, 10).done(5);
        tokens.pipeInput(id, events.getFirst().event(), events.getFirst().timestamp());
        rawTokens.pipeInput(id, "{not json".getBytes(StandardCharsets.UTF_8), T0 + 1);
        rawTokens.pipeInput(id, ("{\"type\":\"heartbeat_v2\",\"session_id\":\"" + id + "\",\"seq\":9}")
                .getBytes(StandardCharsets.UTF_8), T0 + 2);
        events.stream().skip(1).forEach(e -> tokens.pipeInput(id, e.event(), e.timestamp()));

        assertThat(latest().get("total|sim|sim-small").stats().sessions()).isEqualTo(new AnalyticsRecord.SessionCounts(1, 1, 0, 0));
        assertThat(dlq.readValuesToList()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("unreadable-record");
            assertThat(letter.sessionId()).isEqualTo(id);
            assertThat(letter.sourceTopic()).isEqualTo(Topics.TOKENS);
            assertThat(letter.offset()).isEqualTo(1);
            assertThat(letter.excerpt()).isEqualTo("{not json");
        });
        assertThat(registry.get("rewind.analytics.dead.letters").tag("reason", "unreadable-record").counter().count()).isEqualTo(1);
        assertThat(registry.get("rewind.analytics.skipped.records").tag("topic", Topics.TOKENS).counter().count()).isEqualTo(1);
    }

    @Test
    void aSessionWhoseStoredProgressCannotBeReadIsDeadLetteredAndForgottenAndTheTaskGoesOn() {
        String broken = "s_brokenstate0000000000";
        String healthy = "s_healthy0000000000000";
        List<TimedEvent> first = ScriptedSession.start(broken, "sim", "m", T0).tokens(3, 100, 10).done(5);
        tokens.pipeInput(broken, first.getFirst().event(), first.getFirst().timestamp());
        driver.<String, byte[]>getKeyValueStore(SessionTracker.STORE).put(broken, "{\"damaged".getBytes(StandardCharsets.UTF_8));
        first.stream().skip(1).forEach(e -> tokens.pipeInput(broken, e.event(), e.timestamp()));
        pipe(ScriptedSession.start(healthy, "sim", "m", T0 + 50).tokens(1, 100, 10).done(5));

        List<DeadLetter> letters = dlq.readValuesToList();
        assertThat(letters.getFirst()).satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("unreadable-state");
            assertThat(letter.sessionId()).isEqualTo(broken);
            assertThat(letter.excerpt()).startsWith(UnreadableStateException.class.getName());
        });
        assertThat(letters).hasSize(1);
        assertThat(latest().get("total|sim|m").stats().sessions()).as("the broken session's end is not attributed; the next one is")
                .isEqualTo(new AnalyticsRecord.SessionCounts(2, 1, 0, 0));
    }

    private void pipe(List<TimedEvent> events) {
        events.forEach(e -> tokens.pipeInput(e.sessionId(), e.event(), e.timestamp()));
    }

    /** The latest series record (window or total) per key; every record written on the way validates against the schema. */
    private Map<String, AnalyticsRecord.Series> latest() {
        Map<String, AnalyticsRecord.Series> series = new java.util.TreeMap<>();
        latestRecords().forEach((key, value) -> {
            if (value instanceof AnalyticsRecord.Series one) {
                series.put(key, one);
            }
        });
        return series;
    }

    private Map<String, AnalyticsRecord> latestRecords() {
        Map<String, AnalyticsRecord> latest = new java.util.TreeMap<>();
        for (org.apache.kafka.streams.test.TestRecord<String, AnalyticsRecord> record : analytics.readRecordsToList()) {
            JsonNode written = Json.fromBytes(Serdes.ANALYTICS.serialize(Topics.ANALYTICS, record.value()), JsonNode.class);
            assertThat(SCHEMA.validate(written)).as(written.toString()).isEmpty();
            latest.put(record.key(), record.value());
        }
        written.putAll(latest);
        return new java.util.TreeMap<>(written);
    }

    private static void assertExpected(List<TimedEvent> events, Map<String, AnalyticsRecord.Series> latest) {
        Map<String, IndependentCount.Expected> expected = IndependentCount.of(events);
        assertThat(latest.keySet()).containsAll(expected.keySet());
        expected.forEach((key, numbers) -> IndependentCount.assertMatches(key, latest.get(key), numbers));
    }

}
