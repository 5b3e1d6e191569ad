package dev.rewind.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.sim.SimHarness.Exchange;
import dev.rewind.sim.StreamDecoder.Decoded;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every fault directive works in every format, each in that format's own words. */
class FaultsTest {

    @RegisterExtension
    static final SimHarness harness = new SimHarness();

    @ParameterizedTest
    @EnumSource(Api.class)
    void answersTheScriptedStatusToTheFirstAttemptsThenStreams(Api api) {
        String model = "sim-small@status=529x2,retry-after=3";
        ObjectNode body = api.body(model, "overloaded " + api);
        for (int attempt = 1; attempt <= 2; attempt++) {
            Exchange refused = harness.send(api, model, body);
            assertThat(refused.status()).isEqualTo(529);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("3");
            assertThat(refused.contentType()).startsWith("application/json");
            assertErrorShape(api, refused.json(), 529);
        }
        Exchange streamed = harness.send(api, model, body);
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(StreamDecoder.decode(api, streamed.body()).text()).isEqualTo(SimulatedCompletion.plan(model, body).text());
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void stampsEveryTextTokenWithItsEmitTime(Api api) {
        String model = "sim-small@stamp=micros,length=12,tps=100,ttft=0";
        ObjectNode body = api.body(model, "stamped " + api);
        long before = EmitStamp.nowMicros();
        Exchange streamed = harness.send(api, model, body);
        long after = EmitStamp.nowMicros();
        String text = StreamDecoder.decode(api, streamed.body()).text();
        String[] tokens = text.split("(?<= t\\d{16})");
        assertThat(tokens).hasSize(12);
        long previous = before;
        for (String token : tokens) {
            long emitted = EmitStamp.micros(token).orElseThrow();
            assertThat(emitted).isBetween(previous, after);
            previous = emitted;
        }
        assertThat(EmitStamp.strip(text)).isEqualTo(EmitStamp.strip(SimulatedCompletion.plan(model, body).text()))
                .isNotBlank().doesNotContain("#");
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void sendsNoHeadersBeforeTheHeadersDelayThenStreams(Api api) {
        String model = "sim-small@headers-delay=700";
        ObjectNode body = api.body(model, "slow to answer " + api);
        long began = System.nanoTime();
        Exchange streamed = harness.send(api, model, body);
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(StreamDecoder.decode(api, streamed.body()).text()).isEqualTo(SimulatedCompletion.plan(model, body).text());
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void wordsRateLimitsAndUnavailabilityAsTheProviderDoes(Api api) {
        for (int status : new int[] {429, 503}) {
            String model = "sim-small@status=" + status;
            Exchange refused = harness.send(api, model, api.body(model, "refused"));
            assertThat(refused.status()).isEqualTo(status);
            assertThat(refused.headers().firstValue("retry-after")).isEmpty();
            assertErrorShape(api, refused.json(), status);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Api.class, names = {"CHAT", "GEMINI"})
    void sendsRetryAfterInMillisecondsOrAsAnHttpDate(Api api) {
        String millis = "sim-small@status=429x1,retry-after-ms=700";
        assertThat(harness.send(api, millis, api.body(millis, "ms")).headers().firstValue("retry-after-ms")).hasValue("700");
        String date = "sim-small@status=503x1,retry-after-date=30";
        String header = harness.send(api, date, api.body(date, "date")).headers().firstValue("retry-after").orElseThrow();
        assertThat(ZonedDateTime.parse(header, DateTimeFormatter.RFC_1123_DATE_TIME)).isAfter(ZonedDateTime.now().plusSeconds(10));
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void dropsTheConnectionAfterNTokensOnTheFirstAttempts(Api api) {
        String model = "sim-small@disconnect-after=3x1";
        ObjectNode body = api.body(model, "cut me " + api);
        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);

        Exchange cut = harness.send(api, model, body);
        assertThat(cut.status()).isEqualTo(200);
        assertThat(cut.broken()).isTrue();
        Decoded decoded = StreamDecoder.decode(api, cut.body());
        assertThat(decoded.terminated()).isFalse();
        assertThat(decoded.text()).isEqualTo(String.join("", plan.tokens().subList(0, 3)));

        Exchange whole = harness.send(api, model, body);
        assertThat(whole.broken()).isFalse();
        assertThat(StreamDecoder.decode(api, whole.body()).text()).isEqualTo(plan.text());
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void sendsTheFormatsInBandErrorAfterNTokensAndEndsUnterminated(Api api) {
        String model = "sim-small@error-after=2x1";
        ObjectNode body = api.body(model, "in-band " + api);
        Decoded decoded = StreamDecoder.decode(api, harness.send(api, model, body).body());

        assertThat(decoded.terminated()).isFalse();
        assertThat(decoded.malformed()).isZero();
        assertThat(decoded.text()).isEqualTo(String.join("", SimulatedCompletion.plan(model, body).tokens().subList(0, 2)));
        assertThat(decoded.errors()).hasSize(1);
        JsonNode error = decoded.errors().getFirst();
        switch (api) {
            case CHAT -> assertThat(error.path("type").asText()).isEqualTo("server_error");
            case RESPONSES -> assertThat(error.path("code").asText()).isEqualTo("server_is_overloaded");
            case ANTHROPIC -> assertThat(error.path("type").asText()).isEqualTo("overloaded_error");
            case OLLAMA -> assertThat(error.path("error").isTextual()).isTrue();
            case GEMINI -> assertThat(error.path("status").asText()).isEqualTo("UNAVAILABLE");
        }
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void sendsMalformedBytesAfterNTokensThenGoesOn(Api api) {
        String model = "sim-small@malformed-after=2";
        ObjectNode body = api.body(model, "broken " + api);
        Decoded decoded = StreamDecoder.decode(api, harness.send(api, model, body).body());

        assertThat(decoded.malformed()).isEqualTo(1);
        assertThat(decoded.terminated()).isTrue();
        assertThat(decoded.text()).isEqualTo(SimulatedCompletion.plan(model, body).text());
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void randomSplitsDeliverTheSameStream(Api api) {
        String model = "sim-small@split=random,reasoning=4,tools=1,length=12";
        ObjectNode body = api.body(model, "split " + api);
        api.offerTools(body);
        Decoded decoded = StreamDecoder.decode(api, harness.send(api, model, body).body());

        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        assertThat(decoded.malformed()).isZero();
        assertThat(decoded.text()).isEqualTo(plan.text());
        assertThat(decoded.reasoning()).isEqualTo(plan.reasoningText());
        assertThat(decoded.calls()).extracting(StreamDecoder.Call::argumentsJson)
                .containsExactly(plan.toolCalls().getFirst().arguments());
    }

    @org.junit.jupiter.api.Test
    void randomSplitsCutTheBodyInsideMultiByteCharacters() throws Exception {
        String model = "sim-small@split=random,length=60";
        byte[] body = dev.rewind.protocol.Json.toBytes(Api.CHAT.body(model, "split inside characters"));
        List<byte[]> chunks;
        try (java.net.Socket socket = new java.net.Socket(harness.sim().baseUrl().getHost(), harness.sim().port())) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + SimHarness.KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            socket.setSoTimeout(20_000);
            chunks = chunksOf(socket.getInputStream());
        }

        // Each write of the simulator is one HTTP chunk: all are 1-7 bytes, and some start inside a character.
        assertThat(chunks).hasSizeGreaterThan(100).allSatisfy(chunk -> assertThat(chunk.length).isBetween(1, 7));
        assertThat(chunks).anySatisfy(chunk -> assertThat(chunk[0] & 0xC0).isEqualTo(0x80));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        chunks.forEach(joined::writeBytes);
        assertThat(StreamDecoder.decode(Api.CHAT, joined.toByteArray()).text())
                .isEqualTo(SimulatedCompletion.plan(dev.rewind.protocol.Json.fromBytes(body, JsonNode.class)).text());
    }

    /** The data chunks of a chunked HTTP/1.1 response, read up to its last chunk (the server keeps the connection). */
    private static List<byte[]> chunksOf(InputStream in) throws IOException {
        while (!line(in).isEmpty()) {
            // status line and headers
        }
        List<byte[]> chunks = new java.util.ArrayList<>();
        for (int size; (size = Integer.parseInt(line(in), 16)) > 0; ) {
            chunks.add(in.readNBytes(size));
            line(in);
        }
        return chunks;
    }

    /** One CRLF-terminated line, without its ending. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @ParameterizedTest
    @EnumSource(value = Api.class, names = {"CHAT", "RESPONSES", "ANTHROPIC", "GEMINI"})
    void aStallSendsNoMoreTokensButKeepsTheConnectionAlive(Api api) throws Exception {
        String model = "sim-small@stall-after=2x1,keepalive=50";
        ObjectNode body = api.body(model, "stall " + api);
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(api.post(harness.sim().baseUrl(), model, body, SimHarness.KEY), HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> copy(response.body(), received));
        try {
            // keepalive=50 never fires within 2 tokens: keep-alives seen here come from the stall, once a second.
            int before = api == Api.ANTHROPIC ? 1 : 0;
            await().atMost(Duration.ofSeconds(15)).until(() -> decode(api, received).keepAlives() >= before + 2);
            Decoded decoded = decode(api, received);
            assertThat(decoded.text()).isEqualTo(String.join("", SimulatedCompletion.plan(model, body).tokens().subList(0, 2)));
            assertThat(decoded.terminated()).isFalse();
            assertThat(reader).isNotDone();
        } finally {
            response.body().close();
        }
    }

    private static Decoded decode(Api api, ByteArrayOutputStream received) {
        synchronized (received) {
            return StreamDecoder.decode(api, received.toByteArray());
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[512];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // closed by the test
        }
    }

    /** The error body is in the provider's own shape, with the type or status name the provider gives this status. */
    static void assertErrorShape(Api api, JsonNode body, int status) {
        switch (api) {
            case CHAT, RESPONSES -> {
                assertThat(body.at("/error/message").isTextual()).isTrue();
                assertThat(body.at("/error/type").asText()).isEqualTo(status == 429 ? "requests" : status >= 500 ? "server_error"
                        : "invalid_request_error");
                assertThat(body.at("/error").has("param")).isTrue();
            }
            case ANTHROPIC -> {
                assertThat(body.path("type").asText()).isEqualTo("error");
                String expected = switch (status) {
                    case 400 -> "invalid_request_error";
                    case 401 -> "authentication_error";
                    case 429 -> "rate_limit_error";
                    case 529 -> "overloaded_error";
                    default -> "api_error";
                };
                assertThat(body.at("/error/type").asText()).isEqualTo(expected);
            }
            case GEMINI -> {
                assertThat(body.at("/error/code").asInt()).isEqualTo(status);
                String expected = switch (status) {
                    case 400 -> "INVALID_ARGUMENT";
                    case 401 -> "UNAUTHENTICATED";
                    case 429 -> "RESOURCE_EXHAUSTED";
                    default -> "UNAVAILABLE";
                };
                assertThat(body.at("/error/status").asText()).isEqualTo(expected);
            }
            case OLLAMA -> {
                assertThat(body.path("error").isTextual()).isTrue();
                assertThat(List.of(body.fieldNames().next())).containsExactly("error");
            }
        }
    }
}
