package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A faithful upstream LLM on a Helidon WebServer: OpenAI Chat Completions and Responses, Anthropic
 * Messages, Ollama {@code /api/chat} and Gemini {@code streamGenerateContent} answer with a
 * deterministic {@link SimulatedCompletion}, streamed at a realistic token rate, with the faults the
 * request's {@link FaultScript} asks for.
 */
public final class LlmSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LlmSimulator.class);
    private static final int RECENT_REQUESTS = 256;
    private static final Set<String> SECRET_HEADERS = Set.of("authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key");
    /** A stall keeps the connection at most this long (in 100 ms steps), so abandoned requests end. */
    private static final int STALL_STEPS = 600;

    private final SimConfig config;
    private final Deque<RecordedRequest> recent = new ArrayDeque<>();
    private final AtomicLong requestCount = new AtomicLong();
    private final AttemptCounter attempts = new AttemptCounter(10_000);
    private WebServer server;

    private LlmSimulator(SimConfig config) {
        this.config = config;
    }

    public static LlmSimulator start(SimConfig config) {
        LlmSimulator sim = new LlmSimulator(config);
        sim.server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .maxPayloadSize(config.maxRequestBytes())
                .shutdownHook(false)
                .connectionOptions(options -> options.tcpNoDelay(true))
                .routing(routing -> routing
                        .post("/v1/chat/completions", (req, res) -> sim.complete(req, res, ChatCompletionsFormat.INSTANCE, null))
                        .post("/v1/messages", (req, res) -> sim.complete(req, res, AnthropicFormat.INSTANCE, null))
                        .post("/v1/responses", (req, res) -> sim.complete(req, res, ResponsesFormat.INSTANCE, null))
                        .post("/api/chat", (req, res) -> sim.complete(req, res, OllamaFormat.INSTANCE, null))
                        // Helidon's {param} takes a whole segment: "model:method" is split here.
                        .post("/v1beta/models/{spec}", sim::gemini)
                        .post("/v1/models/{spec}", sim::gemini))
                .build()
                .start();
        LOG.info("llm-sim listening on {}", sim.baseUrl());
        return sim;
    }

    public int port() {
        return server.port();
    }

    /** {@code http://host:port}; OpenAI-style clients use {@code baseUrl() + "/v1"}. */
    public URI baseUrl() {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return URI.create("http://" + host + ":" + port());
    }

    public long requestCount() {
        return requestCount.get();
    }

    /** The most recent requests, oldest first (at most 256). */
    public List<RecordedRequest> recentRequests() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
        }
    }

    /** {@code models/{model}:streamGenerateContent?alt=sse}; other methods and the JSON-array form are refused. */
    private void gemini(ServerRequest req, ServerResponse res) {
        String spec = req.path().pathParameters().get("spec");
        int colon = spec.lastIndexOf(':');
        String method = colon < 0 ? "" : spec.substring(colon + 1);
        if (!method.equals("streamGenerateContent")) {
            requestCount.incrementAndGet();
            error(res, ErrorShape.GOOGLE, 404, null, method.equals("generateContent")
                    ? "This simulator answers Gemini only with streamGenerateContent." : "Method not found.");
        } else if (!req.query().first("alt").orElse("").equals("sse")) {
            requestCount.incrementAndGet();
            error(res, ErrorShape.GOOGLE, 400, null, "This simulator streams streamGenerateContent only as server-sent events (alt=sse).");
        } else {
            complete(req, res, GeminiFormat.INSTANCE, spec.substring(0, colon));
        }
    }

    /** Answers one request; {@code pathModel} is the model named in the URL (Gemini), else the body's. */
    private void complete(ServerRequest req, ServerResponse res, StreamFormat format, String pathModel) {
        requestCount.incrementAndGet();
        ErrorShape shape = format.errorShape();
        boolean authorized = authorized(req, format);
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(req.content().inputStream());
        } catch (IOException e) {
            record(req, null, pathModel, authorized);
            error(res, shape, 400, null, "We could not parse the JSON body of your request.");
            return;
        }
        String model = pathModel != null || body == null ? pathModel : body.path("model").asText(null);
        record(req, body, model, authorized);
        if (!authorized) {
            error(res, shape, 401, "invalid_api_key", "Incorrect API key provided.");
            return;
        }
        Optional<String> problem = body == null || !body.isObject() ? Optional.of("The request body must be a JSON object.")
                : format.problemWith(body, name -> req.headers().first(HeaderNames.create(name)));
        if (problem.isPresent()) {
            error(res, shape, 400, null, problem.get());
            return;
        }
        FaultScript script;
        try {
            script = FaultScript.parse(model);
        } catch (IllegalArgumentException e) {
            error(res, shape, 400, "invalid_fault_script", e.getMessage());
            return;
        }
        int attempt = attempts.next(req.path().path(), body);
        if (!delayHeaders(script.headersDelayMs())) {
            return;
        }
        if (script.status() > 0 && attempt <= script.statusAttempts()) {
            faultStatus(res, script, shape);
            return;
        }
        answer(res, format, body, model, script, attempt);
    }

    /** A provider that takes its time before it answers at all (nothing is sent meanwhile); false when the server stops. */
    private static boolean delayHeaders(long ms) {
        if (ms == 0) {
            return true;
        }
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void answer(ServerResponse res, StreamFormat format, JsonNode body, String model, FaultScript script, int attempt) {
        SimulatedCompletion plan = SimulatedCompletion.plan(model, body);
        TokenPace pace = TokenPace.of(config, script);
        StreamContext context = new StreamContext(body, Instant.now(), pace.intervalMs(), pace.firstTokenDelayMs());
        if (body.path("stream").asBoolean(format.streamsByDefault())) {
            stream(res, format.stream(plan, context), format, script, attempt, pace);
            return;
        }
        Optional<JsonNode> whole = format.complete(plan, context);
        if (whole.isPresent()) {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(Json.toBytes(whole.get()));
        } else {
            error(res, format.errorShape(), 400, null, "This simulator answers this API only with \"stream\": true.");
        }
    }

    private void stream(ServerResponse res, List<StreamFrame> frames, StreamFormat format, FaultScript script, int attempt, TokenPace pace) {
        res.header(HeaderNames.CONTENT_TYPE, format.contentType());
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        byte[] keepAlive = script.keepAliveEvery() > 0 ? format.keepAlive() : new byte[0];
        int tokens = 0;
        try (OutputStream out = res.outputStream()) {
            for (StreamFrame frame : frames) {
                if (frame.token()) {
                    if (script.stall().fires(tokens, attempt)) {
                        stall(out, keepAlive, script);
                        return;
                    }
                    if (script.disconnect().fires(tokens, attempt)) {
                        throw new SimulatedDisconnect(tokens);
                    }
                    if (script.error().fires(tokens, attempt)) {
                        write(out, format.inBandError(), script);
                        return;
                    }
                    if (script.malformedAfter() == tokens) {
                        write(out, format.malformed(), script);
                    }
                    if (keepAlive.length > 0 && tokens > 0 && tokens % script.keepAliveEvery() == 0) {
                        write(out, keepAlive, script);
                    }
                    pause(pace.before(tokens));
                    tokens++;
                }
                write(out, frame.token() && script.stamp() ? EmitStamp.fill(frame.bytes(), EmitStamp.nowMicros()) : frame.bytes(),
                        script);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("client left mid-stream: {}", e.toString());
        }
    }

    /** Thrown out of the handler so that the server drops the connection mid-response, as a broken network would. */
    private static final class SimulatedDisconnect extends RuntimeException {
        SimulatedDisconnect(int tokens) {
            super("simulated disconnect after " + tokens + " tokens", null, false, false);
        }
    }

    /** Writes {@code bytes}, in random pieces of 1–7 bytes (also inside characters) when the script asks. */
    private static void write(OutputStream out, byte[] bytes, FaultScript script) throws IOException {
        if (!script.randomSplits()) {
            out.write(bytes);
            out.flush();
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < bytes.length; ) {
            int n = Math.min(bytes.length - i, 1 + random.nextInt(7));
            // half the time a multi-byte character starts in this piece, cut right after its lead byte:
            // consumers then meet split characters in every stream, not only in lucky ones
            for (int j = i; j < i + n - 1; j++) {
                if ((bytes[j] & 0xC0) == 0xC0 && random.nextBoolean()) {
                    n = j - i + 1;
                    break;
                }
            }
            out.write(bytes, i, n);
            out.flush();
            i += n;
        }
    }

    /**
     * Sends no more tokens but keeps the connection open until the client gives up (bounded); with
     * a keep-alive directive it goes on sending keep-alives every second, as a proxy in front of a
     * hung model would.
     */
    private static void stall(OutputStream out, byte[] keepAlive, FaultScript script) throws IOException {
        out.flush();
        for (int i = 1; i <= STALL_STEPS; i++) {
            pause(100);
            if (keepAlive.length > 0 && i % 10 == 0) {
                write(out, keepAlive, script);
            }
        }
    }

    private static void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis); // token pacing of the simulated model, on this request's virtual thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void faultStatus(ServerResponse res, FaultScript script, ErrorShape shape) {
        if (script.retryAfterMs() != null) {
            long ms = script.retryAfterMs();
            switch (script.retryAfterForm()) {
                case SECONDS -> res.header(HeaderNames.RETRY_AFTER, Long.toString(ms / 1000));
                case MILLIS -> res.header(HeaderNames.create("retry-after-ms"), Long.toString(ms));
                case HTTP_DATE -> res.header(HeaderNames.RETRY_AFTER, DateTimeFormatter.RFC_1123_DATE_TIME
                        .format(ZonedDateTime.now(ZoneOffset.UTC).plusNanos(ms * 1_000_000)));
            }
        }
        int status = script.status();
        error(res, shape, status, null, status == 529 ? "Overloaded" : "Simulated upstream status " + status + ".");
    }

    /**
     * Each format's own credential: {@code Authorization: Bearer} (OpenAI, Ollama), {@code x-api-key}
     * (Anthropic), {@code x-goog-api-key} (Gemini). Compared in constant time.
     */
    private boolean authorized(ServerRequest req, StreamFormat format) {
        if (config.apiKey() == null) {
            return true;
        }
        String header = format.credentialHeader();
        String given = req.headers().first(HeaderNames.create(header)).orElse("");
        String expected = header.equals("authorization") ? "Bearer " + config.apiKey() : config.apiKey();
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private void record(ServerRequest req, JsonNode body, String model, boolean authorized) {
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach(header -> {
            String name = header.name().toLowerCase(Locale.ROOT);
            headers.put(name, SECRET_HEADERS.contains(name) ? "[redacted]" : header.get());
        });
        synchronized (recent) {
            if (recent.size() == RECENT_REQUESTS) {
                recent.removeFirst();
            }
            recent.addLast(new RecordedRequest(req.path().path(), body, Map.copyOf(headers), authorized, model));
        }
    }

    private static void error(ServerResponse res, ErrorShape shape, int status, String code, String message) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.toBytes(shape.body(status, code, message)));
    }
}
