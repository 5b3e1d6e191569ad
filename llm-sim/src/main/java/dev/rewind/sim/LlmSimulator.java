package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A faithful upstream LLM on a Helidon WebServer: {@code POST /v1/chat/completions} answers with a
 * deterministic {@link SimulatedCompletion}, streamed at a realistic token rate.
 */
public final class LlmSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LlmSimulator.class);
    private static final int RECENT_REQUESTS = 256;

    private final SimConfig config;
    private final Deque<RecordedRequest> recent = new ArrayDeque<>();
    private final AtomicLong requestCount = new AtomicLong();
    private final AttemptCounter attempts = new AttemptCounter(10_000);
    private static final byte[] MALFORMED = "data: {\"choices\": [{\"delta\": {broken\n\n".getBytes(StandardCharsets.UTF_8);
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
                        .post("/v1/chat/completions", (req, res) -> sim.complete(req, res, ChatCompletionsFormat.INSTANCE))
                        .post("/v1/messages", (req, res) -> sim.complete(req, res, AnthropicFormat.INSTANCE))
                        .post("/v1/responses", (req, res) -> sim.complete(req, res, ResponsesFormat.INSTANCE)))
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

    private void complete(ServerRequest req, ServerResponse res, StreamFormat format) {
        requestCount.incrementAndGet();
        boolean authorized = authorized(req, format);
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(req.content().inputStream());
        } catch (IOException e) {
            record(req, null, authorized);
            error(res, 400, "invalid_request_error", null, "We could not parse the JSON body of your request.");
            return;
        }
        record(req, body, authorized);
        if (!authorized) {
            error(res, 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.");
            return;
        }
        String problem = problemWith(body, format, req);
        if (problem != null) {
            error(res, 400, "invalid_request_error", null, problem);
            return;
        }
        FaultScript script;
        try {
            script = FaultScript.parse(body.path("model").asText(null));
        } catch (IllegalArgumentException e) {
            error(res, 400, "invalid_request_error", "invalid_fault_script", e.getMessage());
            return;
        }
        int attempt = attempts.next(body);
        if (script.status() > 0 && attempt <= script.statusAttempts()) {
            faultStatus(res, script);
            return;
        }
        SimulatedCompletion plan = SimulatedCompletion.plan(body);
        long created = System.currentTimeMillis() / 1000;
        if (body.path("stream").asBoolean(false)) {
            stream(res, format.stream(plan, created, body), format, script, attempt);
        } else if (format == ChatCompletionsFormat.INSTANCE) {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(Json.toBytes(ChatCompletionsFormat.completion(plan, created)));
        } else {
            error(res, 400, "invalid_request_error", null, "This simulator answers this API only with \"stream\": true.");
        }
    }

    private void stream(ServerResponse res, List<StreamFrame> frames, StreamFormat format, FaultScript script, int attempt) {
        res.header(HeaderNames.CONTENT_TYPE, format.contentType());
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        int tokensPerSecond = script.tokensPerSecond() >= 0 ? script.tokensPerSecond() : config.tokensPerSecond();
        long interval = tokensPerSecond == 0 ? 0 : 1000L / tokensPerSecond;
        int tokens = 0;
        try (OutputStream out = res.outputStream()) {
            for (StreamFrame frame : frames) {
                if (frame.token()) {
                    if (script.stallAfter() == tokens && attempt <= script.stallAttempts()) {
                        stall(out);
                        return;
                    }
                    if (script.disconnectAfter() == tokens && attempt <= script.disconnectAttempts()) {
                        throw new SimulatedDisconnect(tokens);
                    }
                    if (script.errorAfter() == tokens && attempt <= script.errorAttempts()) {
                        write(out, format.inBandError(), script);
                        return;
                    }
                    if (script.malformedAfter() == tokens) {
                        write(out, MALFORMED, script);
                    }
                    pause(tokens == 0 ? config.firstTokenDelayMs() : interval);
                    tokens++;
                }
                write(out, frame.bytes(), script);
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
    private void write(OutputStream out, byte[] bytes, FaultScript script) throws IOException {
        if (!script.randomSplits()) {
            out.write(bytes);
            out.flush();
            return;
        }
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < bytes.length; ) {
            int n = Math.min(bytes.length - i, 1 + random.nextInt(7));
            out.write(bytes, i, n);
            out.flush();
            i += n;
        }
    }

    /** Keeps the connection open without sending anything, until the client gives up (bounded). */
    private static void stall(OutputStream out) throws IOException {
        out.flush();
        for (int i = 0; i < 600; i++) {
            pause(100);
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

    private static void faultStatus(ServerResponse res, FaultScript script) {
        if (script.retryAfterMs() != null) {
            long ms = script.retryAfterMs();
            switch (script.retryAfterForm()) {
                case SECONDS -> res.header(HeaderNames.RETRY_AFTER, Long.toString(ms / 1000));
                case MILLIS -> res.header(HeaderNames.create("retry-after-ms"), Long.toString(ms));
                case HTTP_DATE -> res.header(HeaderNames.RETRY_AFTER, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                        .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusNanos(ms * 1_000_000)));
            }
        }
        String type = script.status() == 429 ? "rate_limit_exceeded" : script.status() >= 500 ? "server_error" : "invalid_request_error";
        error(res, script.status(), type, null, "Simulated upstream status " + script.status() + ".");
    }

    private static String problemWith(JsonNode body, StreamFormat format, ServerRequest req) {
        if (!body.isObject()) {
            return "The request body must be a JSON object.";
        }
        return switch (format) {
            case ChatCompletionsFormat chat -> !body.path("messages").isArray() || body.path("messages").isEmpty()
                    ? "'messages' must be a non-empty array."
                    : body.path("n").asInt(1) != 1 ? "This simulator streams exactly one choice: 'n' must be 1." : null;
            case AnthropicFormat anthropic -> req.headers().first(HeaderNames.create("anthropic-version")).isEmpty()
                    ? "anthropic-version: header is required."
                    : !body.path("messages").isArray() || body.path("messages").isEmpty() ? "messages: field required"
                    : !body.path("max_tokens").isIntegralNumber() ? "max_tokens: field required" : null;
            case ResponsesFormat responses -> body.path("input").isMissingNode() || body.path("input").isEmpty()
                    && !body.path("input").isTextual() ? "Missing required parameter: 'input'." : null;
        };
    }

    /** Chat Completions and Responses take {@code Authorization: Bearer}; Anthropic takes {@code x-api-key}. */
    private boolean authorized(ServerRequest req, StreamFormat format) {
        if (config.apiKey() == null) {
            return true;
        }
        boolean anthropic = format == AnthropicFormat.INSTANCE;
        String given = req.headers().first(anthropic ? HeaderNames.create("x-api-key") : HeaderNames.AUTHORIZATION).orElse("");
        String expected = anthropic ? config.apiKey() : "Bearer " + config.apiKey();
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private void record(ServerRequest req, JsonNode body, boolean authorized) {
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach(header -> {
            String name = header.name().toLowerCase(Locale.ROOT);
            boolean secret = name.equals("authorization") || name.equals("x-api-key") || name.equals("x-goog-api-key");
            headers.put(name, secret ? "[redacted]" : header.get());
        });
        synchronized (recent) {
            if (recent.size() == RECENT_REQUESTS) {
                recent.removeFirst();
            }
            recent.addLast(new RecordedRequest(req.path().path(), body, Map.copyOf(headers), authorized));
        }
    }

    private static void error(ServerResponse res, int status, String type, String code, String message) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        ObjectNode detail = error.putObject("error");
        detail.put("message", message);
        detail.put("type", type);
        detail.putNull("param");
        if (code == null) {
            detail.putNull("code");
        } else {
            detail.put("code", code);
        }
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.toBytes(error));
    }
}
