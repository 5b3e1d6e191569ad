package dev.rewind.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import dev.rewind.sim.SimulatedCompletion;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One session's client: creates the session on a random edge (with an Idempotency-Key, so a retry
 * after a lost answer does not start a second generation), reads its SSE stream, drops the
 * connection at random points and resumes with {@code Last-Event-ID} on a random edge — as a browser
 * behind a load balancer does when its network or an edge goes away — until the terminal event.
 */
final class ResumingClient {

    /** One event as this client received it, across all its connections. */
    record Received(String id, String type, JsonNode data, long atNanos) {
        long seq() {
            return data.path("seq").asLong(-1);
        }

        boolean terminal() {
            return type.equals("done") || type.equals("error") || type.equals("cancelled");
        }
    }

    private static final int MAX_VOLUNTARY_DISCONNECTS = 4;
    // a connection that carries nothing (not even the 1 s heartbeat) for this long is presumed dead
    private static final long SILENT_CONNECTION_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final String key;
    private final String model;
    private final String prompt;
    private final Random random;
    private final HttpClient http;
    private final Supplier<List<String>> edges;
    private final String apiKey;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private volatile String sessionId;
    private volatile boolean finished;
    private volatile InputStream openBody;
    private volatile long lastByteAt;
    private int connections;
    private int voluntaryDisconnects;

    ResumingClient(String key, String model, String prompt, long seed, HttpClient http, Supplier<List<String>> edges,
            String apiKey) {
        this.key = key;
        this.model = model;
        this.prompt = prompt;
        this.random = new Random(seed);
        this.http = http;
        this.edges = edges;
        this.apiKey = apiKey;
    }

    String key() {
        return key;
    }

    String model() {
        return model;
    }

    String sessionId() {
        return sessionId;
    }

    boolean finished() {
        return finished;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    int connections() {
        return connections;
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    /** What the simulator answers this request: the ground truth of the transcript. */
    SimulatedCompletion groundTruth() {
        var body = Json.MAPPER.createObjectNode().put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return SimulatedCompletion.plan(body);
    }

    /** Runs to the terminal event or until {@code deadlineNanos}. */
    void run(long deadlineNanos) {
        try {
            String token = create(deadlineNanos);
            while (!finished && System.nanoTime() < deadlineNanos) {
                read(token);
            }
        } catch (RuntimeException e) {
            notes.add("client failed: " + e);
        } finally {
            finished = true;
        }
    }

    /** Closes a connection that has been silent too long (called by the test's watchdog). */
    void cutIfSilent(long now) {
        InputStream body = openBody;
        if (body != null && now - lastByteAt > SILENT_CONNECTION_NANOS) {
            notes.add("connection silent for 20 s: cut");
            closeQuietly(body);
        }
    }

    private String create(long deadlineNanos) {
        var body = Json.MAPPER.createObjectNode().put("upstream", "sim").put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        String json = Json.toString(body);
        while (System.nanoTime() < deadlineNanos) {
            String edge = randomEdge();
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(edge + "/v1/sessions"))
                        .header("Authorization", "Bearer " + apiKey)
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", key)
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 201) {
                    JsonNode created = Json.fromString(response.body(), JsonNode.class);
                    sessionId = created.get("id").asText();
                    return created.get("token").asText();
                }
                notes.add("POST " + response.statusCode() + " from " + edge);
                if (response.statusCode() < 500 && response.statusCode() != 429) {
                    throw new IllegalStateException("POST /v1/sessions refused: " + response.statusCode() + " " + response.body());
                }
            } catch (IOException e) {
                notes.add("POST failed on " + edge + ": " + e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            backOff();
        }
        throw new IllegalStateException("could not create the session before the deadline");
    }

    private void read(String token) {
        String edge = randomEdge();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(edge + "/v1/sessions/" + sessionId + "/events"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).GET();
        String lastId = lastId();
        if (lastId != null) {
            request.header("Last-Event-ID", lastId);
        }
        // most connections are dropped by the client after a few events, a few are kept to the end
        int dropAfter = voluntaryDisconnects < MAX_VOLUNTARY_DISCONNECTS && random.nextInt(10) < 6
                ? 1 + random.nextInt(25) : Integer.MAX_VALUE;
        connections++;
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            switch (response.statusCode()) {
                case 200 -> readEvents(response.body(), dropAfter);
                case 204 -> {
                    // a finished session with nothing after the cursor: only right if the terminal was seen
                    notes.add("204 after " + lastId);
                    finished = true;
                }
                default -> {
                    notes.add("GET " + response.statusCode() + " from " + edge);
                    closeQuietly(response.body());
                    backOff();
                }
            }
        } catch (IOException e) {
            backOff();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void readEvents(InputStream body, int dropAfter) throws IOException {
        lastByteAt = System.nanoTime();
        openBody = body;
        int events = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String type = null;
            StringBuilder data = null;
            String line;
            while ((line = lines.readLine()) != null) {
                lastByteAt = System.nanoTime();
                if (line.isEmpty()) {
                    if (data != null) {
                        Received event = new Received(id, type == null ? "message" : type,
                                Json.fromString(data.toString(), JsonNode.class), System.nanoTime());
                        received.add(event);
                        events++;
                        if (event.terminal()) {
                            finished = true;
                            return;
                        }
                        if (events >= dropAfter) {
                            voluntaryDisconnects++;
                            return;
                        }
                    }
                    id = null;
                    type = null;
                    data = null;
                } else if (!line.startsWith(":")) {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> type = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } finally {
            openBody = null;
            closeQuietly(body);
        }
    }

    private String lastId() {
        for (int i = received.size() - 1; i >= 0; i--) {
            if (received.get(i).id() != null) {
                return received.get(i).id();
            }
        }
        return null;
    }

    private String randomEdge() {
        List<String> live = new ArrayList<>(edges.get());
        if (live.isEmpty()) {
            throw new IllegalStateException("no edge is known");
        }
        return live.get(random.nextInt(live.size()));
    }

    // a client's retry pause with jitter, as the edge's retry: hint asks (not a wait for a condition)
    private void backOff() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(400)));
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
