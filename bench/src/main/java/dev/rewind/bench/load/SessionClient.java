package dev.rewind.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.bench.edge.RawSse;
import dev.rewind.protocol.Json;
import dev.rewind.sim.EmitStamp;
import dev.rewind.sim.SimulatedCompletion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * One session as a user sees it: {@code POST /v1/sessions}, then M subscribers on its event
 * stream, each cutting its connection K times at random tokens and resuming with
 * {@code Last-Event-ID}; every subscriber's transcript must equal the simulator's plan, with
 * every {@code seq} exactly once and in order. Works against the edge and the direct proxy alike.
 */
final class SessionClient {

    /** Where sessions are created: the port and the API key ({@code null} for the direct proxy). */
    record Target(String name, int port, String apiKey) {}

    private static final int MAX_UNPLANNED_RECONNECTS = 10;
    private static final int MAX_REFUSALS = 50;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final Target target;
    private final LoadOptions options;
    private final LoadStats stats;

    SessionClient(Target target, LoadOptions options, LoadStats stats) {
        this.target = target;
        this.options = options;
        this.stats = stats;
    }

    /**
     * Runs session number {@code n} to its end; failures are counted in the stats, never thrown. A
     * refused creation pauses the caller a second, so a refusing server is not hammered in a loop.
     */
    void run(long n, boolean withFaults) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(options.seed() * 1_000_003L + n);
        String model = "sim-small@stamp=micros,ttft=0,tps=" + options.tokensPerSecond() + ",length=" + options.tokens()
                + (withFaults && random.nextDouble() < options.faultRate() ? "," + fault(random) : "");
        ObjectNode body = Json.MAPPER.createObjectNode().put("upstream", "sim").put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", "load session " + n);
        body.putObject("params").put("seed", random.nextLong());
        String expected = EmitStamp.strip(SimulatedCompletion.plan(model, planRequest(body)).text());
        try {
            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + "/v1/sessions"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(body)));
            if (target.apiKey() != null) {
                post.header("Authorization", "Bearer " + target.apiKey());
            }
            HttpResponse<byte[]> created = HTTP.send(post.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (created.statusCode() != 201) {
                stats.sessionsFailed.increment();
                stats.fail(target.name() + ": POST /v1/sessions answered " + created.statusCode() + " "
                        + new String(created.body(), java.nio.charset.StandardCharsets.UTF_8));
                TimeUnit.SECONDS.sleep(1);
                return;
            }
            JsonNode session = Json.MAPPER.readTree(created.body());
            List<Thread> subscribers = new ArrayList<>();
            boolean[] exact = new boolean[options.subscribers()];
            for (int s = 0; s < options.subscribers(); s++) {
                int index = s;
                long subscriberSeed = random.nextLong();
                subscribers.add(Thread.ofVirtual().start(() -> {
                    try {
                        exact[index] = subscribe(session.path("events_url").asText(), session.path("token").asText(), expected,
                                new SplittableRandom(subscriberSeed));
                    } catch (RuntimeException e) {
                        exact[index] = failed("subscriber broke: " + e);
                    }
                }));
            }
            boolean all = true;
            for (int s = 0; s < subscribers.size(); s++) {
                subscribers.get(s).join();
                all &= exact[s];
            }
            (all ? stats.sessionsExact : stats.sessionsFailed).increment();
            if (!all) {
                TimeUnit.SECONDS.sleep(1); // as after a refused creation: a failing stack is not flooded with new sessions
            }
        } catch (IOException e) {
            stats.sessionsFailed.increment();
            stats.fail(target.name() + ": session " + n + ": " + e);
            TimeUnit.SECONDS.sleep(1);
        }
    }

    /** The mix of upstream faults Rewind must absorb: a mid-stream drop (retried, reset), a 503 before the first byte, torn reads. */
    private String fault(SplittableRandom random) {
        stats.upstreamFaults.increment();
        return switch (random.nextInt(3)) {
            case 0 -> "disconnect-after=" + (1 + random.nextInt(options.tokens() - 1)) + "x1";
            case 1 -> "status=503x1,retry-after-ms=100";
            default -> "split=random";
        };
    }

    /** The request as the simulator receives it for planning: the seed decides the words. */
    private static ObjectNode planRequest(ObjectNode body) {
        ObjectNode request = Json.MAPPER.createObjectNode().put("model", body.path("model").asText());
        request.set("messages", body.path("messages"));
        request.set("seed", body.path("params").path("seed"));
        return request;
    }

    /** One subscriber to the end of the session; true if it saw exactly the planned transcript. */
    private boolean subscribe(String eventsUrl, String token, String expected, SplittableRandom random) {
        TreeSet<Integer> cuts = new TreeSet<>();
        while (cuts.size() < options.disconnects()) {
            cuts.add(1 + random.nextInt(options.tokens() - 1));
        }
        StreamState state = new StreamState();
        int unplanned = 0;
        int refusals = 0;
        while (!state.ended) {
            long connectNanos = System.nanoTime();
            long connectMicros = EmitStamp.nowMicros();
            boolean resuming = state.lastId != null;
            stats.connections.incrementAndGet();
            boolean refused = false;
            try (RawSse sse = new RawSse(target.port(), eventsUrl, token, state.lastId)) {
                refused = sse.status == 503 || sse.status == 429;
                if (refused && ++refusals > MAX_REFUSALS) {
                    return failed("GET events refused " + refusals + " times, last " + sse.status + " after seq " + state.lastSeq);
                } else if (!refused && sse.status != 200) {
                    return failed("GET events answered " + sse.status + " after seq " + state.lastSeq);
                }
                if (refused) {
                    stats.refusals.increment();
                    continue;
                }
                if (read(sse, state, cuts, connectMicros, resuming ? connectNanos : -1)) {
                    stats.plannedDisconnects.increment();
                } else if (!state.ended) {
                    throw new IOException("the stream ended before a terminal event");
                }
            } catch (IOException e) {
                if (++unplanned > MAX_UNPLANNED_RECONNECTS) {
                    return failed("gave up after " + unplanned + " unplanned disconnects: " + e);
                }
                stats.unplannedDisconnects.increment();
            } finally {
                stats.connections.decrementAndGet();
                if (refused) {
                    pause(200 + random.nextInt(300)); // an overloaded edge refuses with 503: back off and try again, as a client would
                }
            }
        }
        if (state.failure != null) {
            return failed(state.failure);
        }
        if (!"done".equals(state.terminal)) {
            return failed("ended with " + state.terminal);
        }
        String text = EmitStamp.strip(state.transcript.toString());
        return text.equals(expected) || failed("transcript differs: expected '" + expected + "', got '" + text + "'");
    }

    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean failed(String why) {
        stats.fail(target.name() + ": " + why);
        return false;
    }

    /** What a subscriber has seen so far, across its connections. */
    private static final class StreamState {
        String lastId;
        long lastSeq;
        int tokensSeen;
        boolean ended;
        String terminal;
        String failure;
        final StringBuilder transcript = new StringBuilder();
    }

    /**
     * Reads events until the session ends (false) or a planned cut (true). Tokens emitted before
     * this connection opened are replay, not live delivery: they are not counted as latency.
     */
    private boolean read(RawSse sse, StreamState state, TreeSet<Integer> cuts, long connectMicros, long resumeNanos)
            throws IOException {
        String id = null;
        String event = "message";
        String data = null;
        String line;
        while ((line = sse.readLine()) != null) {
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data = line.substring(6);
            } else if (line.isEmpty() && data != null) {
                if (resumeNanos >= 0) {
                    stats.resume.record((System.nanoTime() - resumeNanos) / 1000);
                    resumeNanos = -1;
                }
                on(state, id, event, Json.MAPPER.readTree(data), connectMicros);
                if (state.ended) {
                    return false;
                }
                if (event.equals("token") && cuts.remove(state.tokensSeen)) {
                    return true;
                }
                id = null;
                event = "message";
                data = null;
            }
        }
        return false;
    }

    private void on(StreamState state, String id, String event, JsonNode data, long connectMicros) {
        long now = EmitStamp.nowMicros();
        if (event.equals("gap")) {
            state.failure = "gap event " + data;
            state.ended = true;
            return;
        }
        long seq = data.path("seq").asLong(-1);
        if (seq != state.lastSeq + 1) {
            state.failure = "seq " + seq + " after " + state.lastSeq + " (" + event + ")";
            state.ended = true;
            return;
        }
        state.lastSeq = seq;
        state.lastId = id;
        switch (event) {
            case "token" -> {
                String text = data.path("text").asText();
                state.transcript.append(text);
                state.tokensSeen++;
                if (stats.measuring.get()) {
                    stats.tokens.increment();
                    EmitStamp.micros(text).ifPresent(emitted -> {
                        if (emitted >= connectMicros) {
                            stats.latency.record(now - emitted);
                        }
                    });
                }
            }
            case "reset" -> state.transcript.setLength(0);
            case "done", "error", "cancelled" -> {
                state.terminal = event + (event.equals("done") ? "" : " " + data);
                state.ended = true;
            }
            default -> { }
        }
    }
}
