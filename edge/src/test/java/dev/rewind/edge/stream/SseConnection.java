package dev.rewind.edge.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
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
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test SSE client on the JDK HttpClient: reads events on a virtual thread into a list the test
 * inspects (waiting with Awaitility), and can drop the connection at any point like a real client.
 */
public final class SseConnection implements AutoCloseable {

    /** One dispatched event; {@code id} is null when the event had no id line. */
    public record Event(String id, String event, String data) {
        public JsonNode json() {
            return Json.fromString(data, JsonNode.class);
        }

        public boolean isTerminal() {
            return event.equals("done") || event.equals("error") || event.equals("cancelled");
        }
    }

    private final HttpResponse<InputStream> response;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean ended;

    private SseConnection(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** Opens {@code uri} with {@code headers}; the status and headers are available at once. */
    public static SseConnection open(HttpClient http, URI uri, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(request::header);
        return new SseConnection(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public List<String> comments() {
        return List.copyOf(comments);
    }

    /** True once the server ended the stream (or the connection was closed). */
    public boolean ended() {
        return ended;
    }

    /** The text of the {@code token} events received so far. */
    public String text() {
        StringBuilder text = new StringBuilder();
        for (Event event : events) {
            if (event.event().equals("token")) {
                text.append(event.json().get("text").asText());
            }
        }
        return text.toString();
    }

    public String lastId() {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).id() != null) {
                return events.get(i).id();
            }
        }
        return null;
    }

    /** Drops the connection, as a client whose network went away. */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // already closed
        }
        ended = true;
    }

    // The WHATWG rules, enough for a test client: the server writes single-line data.
    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            List<String> data = new ArrayList<>();
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new Event(id, name == null ? "message" : name, String.join("\n", data)));
                    }
                    name = null;
                    data.clear();
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).strip());
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> name = value;
                        case "data" -> data.add(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // the test closed the connection, or the server went away
        } finally {
            ended = true;
        }
    }
}
