package dev.rewind.edge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TopicSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/** HTTP calls of the session API tests against one edge, and the checks every problem answer must pass. */
final class ApiCalls {

    static final String SESSION_BODY = "{\"model\": \"sim-small\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final String base;

    /** The partition count of every edge test (the shared broker's topics are created once with it). */
    static final int PARTITIONS = 3;

    /** Rewind's topics ensured, and an edge on them with {@code extraYaml} merged into the test config. */
    static EdgeServer startEdge(KafkaBroker broker, String extraYaml) {
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        return EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, extraYaml), Clock.systemUTC());
    }

    ApiCalls(int port) {
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        return send(request(path, headers).GET());
    }

    HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        return send(request(path, headers).header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<byte[]> getBytes(String path, Map<String, String> headers) throws Exception {
        return http.send(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * A GET written byte for byte, for request targets the JDK client refuses to send (bad
     * percent-encoding); answers the status code and the body.
     */
    Map.Entry<Integer, String> rawGet(String target, String authorization) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int status = Integer.parseInt(in.readLine().substring(9, 12));
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return Map.entry(status, new String(body, 0, read));
        }
    }

    private HttpRequest.Builder request(String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        headers.forEach(request::header);
        return request;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, String> bearer(String secret) {
        return Map.of("Authorization", "Bearer " + secret);
    }

    static JsonNode json(HttpResponse<String> response) {
        return json(response.body());
    }

    static JsonNode json(String body) {
        return Json.fromString(body, JsonNode.class);
    }

    /** Asserts an RFC 9457 answer with {@code status}; returns its detail. */
    static String problem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode body = json(response);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("title").asText()).isNotBlank();
        assertThat(body.get("detail").asText()).isNotBlank();
        return body.get("detail").asText();
    }
}
