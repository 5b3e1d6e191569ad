package dev.rewind.edge.durablestream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.edge.stream.SseConnection;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The read side of the Durable Streams protocol on a session's {@code …/stream}, against an edge on
 * a real broker with sessions seeded into {@code rewind.tokens}: catch-up (bounded, offsets that
 * sort as strings, closure), sentinels and malformed offsets, ETag/304, HEAD, long-poll, SSE, the
 * AI SDK dialect, and the headers (caching, browser security, CORS, 405 on writes, auth).
 */
@WithKafka
class SessionStreamServiceTest {

    private static final int PARTITIONS = 3;
    private static final int MAX_MESSAGES = 3;
    private static final String ORIGIN = "https://app.example";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static KafkaBroker broker;
    private static EdgeServer edge;

    @BeforeAll
    static void start(KafkaBroker kafka) {
        broker = kafka;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, """
                durable_streams: {max_messages: %d, long_poll_timeout_ms: 2000}
                http: {cors_origins: ["%s"]}
                """.formatted(MAX_MESSAGES, ORIGIN)), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    /** A read's messages and headers. */
    private record Page(int status, List<String> messages, HttpResponse<String> response) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    @Test
    void aFinishedSessionReadsInBoundedPagesWhoseOffsetsSortAsStringsUntilClosed() throws Exception {
        CreatedSession session = createSession();
        List<TokenEvent> events;
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            events = writer.conversation(session.id(), "one ", "two ", "three ", "four ", "five ");
        }
        List<Page> pages = readToClosure(session, "");

        List<TokenEvent> read = pages.stream().flatMap(page -> page.messages().stream())
                .map(message -> Json.fromString(message, TokenEvent.class)).toList();
        assertThat(read).as("exactly the session's events, once each").isEqualTo(events);
        assertThat(pages).allSatisfy(page -> assertThat(page.messages()).hasSizeLessThanOrEqualTo(MAX_MESSAGES));
        List<String> offsets = pages.stream().map(page -> page.header("Stream-Next-Offset")).toList();
        assertThat(offsets).isSortedAccordingTo(String::compareTo).doesNotHaveDuplicates();
        Page last = pages.getLast();
        assertThat(last.header("Stream-Closed")).isEqualTo("true");
        assertThat(last.header("Stream-Up-To-Date")).isEqualTo("true");
        assertThat(pages.getFirst().header("Stream-Closed")).as("not before the final offset").isNull();
        assertThat(pages.getFirst().header("Stream-Up-To-Date")).as("a bounded page is not the tail").isNull();
        assertThat(pages.getFirst().header("Content-Type")).isEqualTo("application/json");
        assertThat(pages.getFirst().header("Cache-Control")).isEqualTo("private, max-age=60, stale-while-revalidate=300");

        Page atEnd = get(session, "?offset=" + last.header("Stream-Next-Offset"));
        assertThat(atEnd.status()).isEqualTo(200);
        assertThat(atEnd.messages()).isEmpty();
        assertThat(atEnd.header("Stream-Closed")).as("the EOF signal at the final offset").isEqualTo("true");
        assertThat(atEnd.header("Stream-Next-Offset")).isEqualTo(last.header("Stream-Next-Offset"));
    }

    @Test
    void sentinelsAreHonouredAndMalformedOrForeignOffsetsAreRefused() throws Exception {
        CreatedSession session = createSession();
        CreatedSession other = createSession();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.conversation(session.id(), "a");
            writer.conversation(other.id(), "b", "c");
        }
        Page fromStart = get(session, "?offset=-1");
        assertThat(fromStart.messages()).hasSize(3);
        assertThat(get(session, "").messages()).isEqualTo(fromStart.messages());

        Page now = get(session, "?offset=now");
        assertThat(now.status()).isEqualTo(200);
        assertThat(now.response().body()).isEqualTo("[]");
        assertThat(now.header("Stream-Next-Offset")).isEqualTo(fromStart.header("Stream-Next-Offset"));
        assertThat(now.header("Stream-Up-To-Date")).isEqualTo("true");
        assertThat(now.header("Stream-Closed")).isEqualTo("true");
        assertThat(now.header("Cache-Control")).isEqualTo("no-store");
        assertThat(now.header("ETag")).isNull();

        for (String bad : List.of("garbage", "12", "0000000000000000001_0000000000000000000", "-2")) {
            Page refused = get(session, "?offset=" + bad);
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
        }
        String othersOffset = get(other, "?offset=-1").header("Stream-Next-Offset");
        assertThat(get(session, "?offset=" + othersOffset).status()).as("another session's offset").isEqualTo(400);
        assertThat(get(session, "?offset=-1&live=forever").status()).isEqualTo(400);
        assertThat(get(session, "?live=long-poll").status()).as("a live read names its offset").isEqualTo(400);
    }

    @Test
    void anUnchangedReadAnswers304AndClosureChangesTheETag() throws Exception {
        CreatedSession session = createSession();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.commit(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"), new TokenEvent.Token(session.id(), 2, "x"));
            Page open = awaitMessages(session, "?offset=-1", 2);
            String etag = open.header("ETag");
            assertThat(etag).doesNotEndWith(":c\"");
            assertThat(open.header("Stream-Up-To-Date")).isEqualTo("true");
            assertThat(open.header("Stream-Closed")).isNull();
            assertThat(open.header("Cache-Control")).as("the open tail changes").isEqualTo("no-store");
            assertThat(get(session, "?offset=-1", Map.of("If-None-Match", etag)).status()).isEqualTo(304);

            writer.commit(new TokenEvent.Done(session.id(), 3, "stop", "stop", null));
            awaitClosed(session);
            Page whole = get(session, "?offset=-1", Map.of("If-None-Match", etag));
            assertThat(whole.status()).as("closure changed the ETag").isEqualTo(200);
            assertThat(whole.header("ETag")).isNotEqualTo(etag).endsWith(":c\"");
        }
    }

    @Test
    void headGivesTheTailAndClosureWithoutABody() throws Exception {
        CreatedSession session = createSession();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.commit(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"));
            await().atMost(Duration.ofSeconds(20)).until(() -> get(session, "").messages().size() == 1);
            HttpResponse<String> open = send(request(session, "").method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertThat(open.statusCode()).isEqualTo(200);
            assertThat(open.body()).isEmpty();
            assertThat(open.headers().firstValue("Stream-Next-Offset")).hasValue(get(session, "").header("Stream-Next-Offset"));
            assertThat(open.headers().firstValue("Stream-Closed")).isEmpty();
            assertThat(open.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(open.headers().firstValue("Content-Type")).hasValue("application/json");

            writer.commit(new TokenEvent.Done(session.id(), 2, "stop", "stop", null));
            await().atMost(Duration.ofSeconds(20)).until(() -> send(request(session, "")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())).headers().firstValue("Stream-Closed").isPresent());
        }
    }

    @Test
    void aLongPollWaitsForDataAnswers204WithACursorOnTimeoutAndReturnsAtOnceAtAClosedTail() throws Exception {
        CreatedSession session = createSession();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.commit(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"));
            String tail = awaitMessages(session, "", 1).header("Stream-Next-Offset");

            Page timedOut = get(session, "?offset=" + tail + "&live=long-poll");
            assertThat(timedOut.status()).isEqualTo(204);
            assertThat(timedOut.header("Stream-Up-To-Date")).isEqualTo("true");
            assertThat(timedOut.header("Stream-Next-Offset")).isEqualTo(tail);
            String cursor = timedOut.header("Stream-Cursor");
            assertThat(cursor).isNotBlank();
            Page again = get(session, "?offset=" + tail + "&live=long-poll&cursor=" + cursor);
            assertThat(Long.parseLong(again.header("Stream-Cursor"))).as("never at or below the echoed cursor")
                    .isGreaterThan(Long.parseLong(cursor));

            CompletableFuture<Page> waiting = CompletableFuture.supplyAsync(() -> getUnchecked(session, "?offset=now&live=long-poll"));
            writer.commit(new TokenEvent.Token(session.id(), 2, "late"));
            Page woke = waiting.get(20, TimeUnit.SECONDS);
            if (woke.status() == 204) {
                // the token landed before the wait began: it is then the tail the next poll starts from
                woke = get(session, "?offset=" + tail + "&live=long-poll");
            }
            assertThat(woke.status()).isEqualTo(200);
            assertThat(woke.messages()).singleElement().satisfies(m -> assertThat(m).contains("\"late\""));
            assertThat(woke.header("Stream-Cursor")).isNotBlank();

            writer.commit(new TokenEvent.Done(session.id(), 3, "stop", "stop", null));
            String closedTail = awaitClosed(session);
            long began = System.nanoTime();
            Page eof = get(session, "?offset=" + closedTail + "&live=long-poll");
            assertThat(eof.status()).isEqualTo(204);
            assertThat(eof.header("Stream-Closed")).isEqualTo("true");
            assertThat(eof.header("Stream-Up-To-Date")).isEqualTo("true");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)).as("no wait at a closed tail").isLessThan(1500);
        }
    }

    @Test
    void sseSendsDataThenControlAfterEachAndClosesAfterStreamClosed() throws Exception {
        CreatedSession session = createSession();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.commit(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"), new TokenEvent.Token(session.id(), 2, "a"));
            awaitMessages(session, "", 2);
            try (SseConnection sse = SseConnection.open(HTTP, uri(session, "?offset=-1&live=sse"), session.bearer())) {
                assertThat(sse.status()).isEqualTo(200);
                assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
                await().atMost(Duration.ofSeconds(20)).until(() -> sse.events().size() >= 2);
                assertThat(sse.events().get(0).event()).isEqualTo("data");
                assertThat(sse.events().get(0).json()).hasSize(2);
                JsonNode control = sse.events().get(1).json();
                assertThat(sse.events().get(1).event()).isEqualTo("control");
                assertThat(control.get("upToDate").asBoolean()).isTrue();
                assertThat(control.get("streamCursor").asText()).isNotBlank();
                assertThat(control.has("streamClosed")).isFalse();

                writer.commit(new TokenEvent.Token(session.id(), 3, "b"));
                writer.commit(new TokenEvent.Done(session.id(), 4, "stop", "stop", null));
                await().atMost(Duration.ofSeconds(20)).until(sse::ended);
                List<SseConnection.Event> events = sse.events();
                for (int i = 0; i < events.size(); i++) {
                    if (events.get(i).event().equals("data")) {
                        assertThat(events.get(i + 1).event()).as("a control after every data event").isEqualTo("control");
                    }
                }
                List<String> data = new ArrayList<>();
                events.stream().filter(e -> e.event().equals("data")).forEach(e -> e.json().forEach(m -> data.add(m.get("type").asText())));
                assertThat(data).containsExactly("start", "token", "token", "done");
                JsonNode last = events.getLast().json();
                assertThat(events.getLast().event()).isEqualTo("control");
                assertThat(last.get("streamClosed").asBoolean()).isTrue();
                assertThat(last.has("streamCursor")).isFalse();
                List<String> offsets = events.stream().filter(e -> e.event().equals("control"))
                        .map(e -> e.json().get("streamNextOffset").asText()).toList();
                assertThat(offsets).isSortedAccordingTo(String::compareTo).doesNotHaveDuplicates();
            }
            // at a closed tail: one control with streamClosed, then the end
            try (SseConnection sse = SseConnection.open(HTTP, uri(session, "?offset=now&live=sse"), session.bearer())) {
                await().atMost(Duration.ofSeconds(20)).until(sse::ended);
                assertThat(sse.events()).singleElement().satisfies(e -> {
                    assertThat(e.event()).isEqualTo("control");
                    assertThat(e.json().get("streamClosed").asBoolean()).isTrue();
                    assertThat(e.json().get("upToDate").asBoolean()).isTrue();
                });
            }
        }
    }

    @Test
    void theAiSdkDialectRendersUiMessageChunksAndAResumeContinuesTheSameParts() throws Exception {
        CreatedSession session = createSession();
        List<Page> pages = helloWorldIn(session, "/ai-sdk");
        List<JsonNode> chunks = pages.stream().flatMap(p -> p.messages().stream()).map(m -> Json.fromString(m, JsonNode.class)).toList();
        assertThat(chunks).extracting(c -> c.get("type").asText())
                .containsExactly("start", "text-start", "text-delta", "text-delta", "text-end", "finish");
        assertThat(chunks.get(0).get("messageId").asText()).isEqualTo("msg_" + session.id());
        // the second page resumed mid-text: its delta belongs to the part the first page opened
        String partId = chunks.get(1).get("id").asText();
        assertThat(chunks.get(3).get("id").asText()).isEqualTo(partId);
        assertThat(pages.size()).isGreaterThan(1);
        assertThat(get(session, "/langchain").status()).as("only the dialects that exist").isEqualTo(404);
    }

    @Test
    void theTanStackDialectRendersARunOfAgUiEventsAndAResumeContinuesTheSameMessage() throws Exception {
        CreatedSession session = createSession();
        List<Page> pages = helloWorldIn(session, "/tanstack");
        List<JsonNode> chunks = pages.stream().flatMap(p -> p.messages().stream()).map(m -> Json.fromString(m, JsonNode.class)).toList();
        assertThat(chunks).extracting(c -> c.get("type").asText()).containsExactly("RUN_STARTED", "TEXT_MESSAGE_START",
                "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "RUN_FINISHED");
        assertThat(chunks).filteredOn(c -> c.get("type").asText().startsWith("TEXT_MESSAGE"))
                .allSatisfy(c -> assertThat(c.get("messageId").asText()).isEqualTo("msg_" + session.id()));
        assertThat(chunks.get(2).get("delta").asText() + chunks.get(3).get("delta").asText()).isEqualTo("Hello world");
        assertThat(chunks.getLast().get("finishReason").asText()).isEqualTo("stop");
        assertThat(pages.size()).as("resumed across pages").isGreaterThan(1);
    }

    @Test
    void headersAuthAndWrites() throws Exception {
        CreatedSession session = createSession();
        CreatedSession other = createSession();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.conversation(session.id(), "a");
        }
        Page read = get(session, "", Map.of("Origin", ORIGIN));
        assertThat(read.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(read.header("Cross-Origin-Resource-Policy")).isEqualTo("cross-origin");
        assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
        assertThat(read.header("Access-Control-Expose-Headers"))
                .contains("Stream-Next-Offset", "Stream-Cursor", "Stream-Up-To-Date", "Stream-Closed", "ETag");

        HttpResponse<String> preflight = send(HttpRequest.newBuilder(uri(session, ""))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "GET"));
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET, HEAD, OPTIONS");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()).contains("If-None-Match");

        for (String method : List.of("POST", "PUT", "DELETE")) {
            HttpResponse<String> write = send(request(session, "").method(method, HttpRequest.BodyPublishers.ofString("[]")));
            assertThat(write.statusCode()).as(method).isEqualTo(405);
            assertThat(write.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
        }
        assertThat(send(HttpRequest.newBuilder(uri(session, ""))).statusCode()).as("no token").isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(uri(session, "")).header("Authorization", "Bearer " + other.token())).statusCode())
                .as("another session's token").isEqualTo(403);
        assertThat(send(HttpRequest.newBuilder(URI.create(uri(session, "") + "?access_token=" + session.token()))).statusCode())
                .as("the token in the URL, as for …/events").isEqualTo(200);
    }

    /** Writes a finished "Hello world" conversation and reads it in {@code dialect}, page by page. */
    private static List<Page> helloWorldIn(CreatedSession session, String dialect) throws Exception {
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            writer.conversation(session.id(), "Hello", " world");
        }
        return readToClosure(session, dialect);
    }

    /** Waits until the edge has the session's end, then reads it page by page from -1 to the page that says Stream-Closed. */
    private static List<Page> readToClosure(CreatedSession session, String dialect) throws Exception {
        awaitClosed(session);
        List<Page> pages = new ArrayList<>();
        String offset = "-1";
        while (true) {
            Page page = get(session, dialect + "?offset=" + offset);
            assertThat(page.status()).as(page.response().body()).isEqualTo(200);
            assertThat(page.messages()).as("every page before the end has data").isNotEmpty();
            pages.add(page);
            if ("true".equals(page.header("Stream-Closed"))) {
                return pages;
            }
            assertThat(pages.size()).as("a bounded number of pages").isLessThan(50);
            offset = page.header("Stream-Next-Offset");
        }
    }

    private static Page awaitMessages(CreatedSession session, String query, int count) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> get(session, query), page -> page.messages().size() == count);
    }

    private static String awaitClosed(CreatedSession session) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> get(session, "?offset=now"),
                page -> "true".equals(page.header("Stream-Closed"))).header("Stream-Next-Offset");
    }

    private static CreatedSession createSession() throws Exception {
        return EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, "stream me");
    }

    private static Page get(CreatedSession session, String pathAndQuery) throws Exception {
        return get(session, pathAndQuery, Map.of());
    }

    private static Page getUnchecked(CreatedSession session, String pathAndQuery) {
        try {
            return get(session, pathAndQuery);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Page get(CreatedSession session, String pathAndQuery, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = request(session, pathAndQuery).GET();
        headers.forEach(request::header);
        HttpResponse<String> response = send(request);
        List<String> messages = new ArrayList<>();
        if (response.statusCode() == 200 && response.headers().firstValue("Content-Type").orElse("").equals("application/json")) {
            Json.fromString(response.body(), JsonNode.class).forEach(node -> messages.add(Json.toString(node)));
        }
        return new Page(response.statusCode(), messages, response);
    }

    private static HttpRequest.Builder request(CreatedSession session, String pathAndQuery) {
        return HttpRequest.newBuilder(uri(session, pathAndQuery)).header("Authorization", "Bearer " + session.token());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(CreatedSession session, String pathAndQuery) {
        String path = pathAndQuery.startsWith("/") ? pathAndQuery : pathAndQuery.isEmpty() ? "" : pathAndQuery;
        return URI.create(base() + "/v1/sessions/" + session.id() + "/stream" + path);
    }

    private static String base() {
        return "http://127.0.0.1:" + edge.port();
    }
}
