package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.util.Map;

/** A simulator on a free loopback port with a key, no pacing, and a client that keeps what arrived before a dropped connection. */
final class SimHarness implements AutoCloseable {

    static final String KEY = "sim-test-key";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final LlmSimulator sim;

    /** What came back: the body up to EOF or up to where the connection broke ({@code broken}). */
    record Exchange(int status, HttpHeaders headers, byte[] body, boolean broken) {
        JsonNode json() {
            return Json.fromBytes(body, JsonNode.class);
        }

        String contentType() {
            return headers.firstValue("content-type").orElse("");
        }
    }

    SimHarness() {
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 0, first_token_delay_ms: 0, api_key: " + KEY + "}"),
                Map.of(), "llm-sim-defaults.yaml"));
    }

    Exchange send(Api api, String model, ObjectNode body) {
        return send(api, model, body, KEY);
    }

    Exchange send(Api api, String model, ObjectNode body, String key) {
        try {
            HttpResponse<InputStream> response = HTTP.send(api.post(sim.baseUrl(), model, body, key), HttpResponse.BodyHandlers.ofInputStream());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean broken = false;
            try (InputStream in = response.body()) {
                in.transferTo(bytes);
            } catch (IOException e) {
                broken = true;
            }
            return new Exchange(response.statusCode(), response.headers(), bytes.toByteArray(), broken);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        sim.close();
    }
}
