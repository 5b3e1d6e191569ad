package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A simulator on a free loopback port with a key and no pacing, for one test class
 * ({@code @RegisterExtension static final SimHarness harness = new SimHarness();}), and a client
 * that keeps what arrived before a dropped connection.
 */
final class SimHarness implements BeforeAllCallback, AfterAllCallback {

    static final String KEY = "sim-test-key";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private LlmSimulator sim;

    /** What came back: the body up to EOF or up to where the connection broke ({@code broken}). */
    record Exchange(int status, HttpHeaders headers, byte[] body, boolean broken) {
        JsonNode json() {
            return Json.fromBytes(body, JsonNode.class);
        }

        String contentType() {
            return headers.firstValue("content-type").orElse("");
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 0, first_token_delay_ms: 0, api_key: " + KEY + "}"),
                Map.of(), "llm-sim-defaults.yaml"));
    }

    Exchange send(Api api, String model, ObjectNode body) {
        return send(api, model, body, KEY);
    }

    Exchange send(Api api, String model, ObjectNode body, String key) {
        Collector collector = new Collector();
        // A broken body fails the response future, so status and headers are taken when they arrive.
        HTTP.sendAsync(api.post(sim.baseUrl(), model, body, key), info -> {
            collector.info = info;
            return HttpResponse.BodySubscribers.fromSubscriber(collector);
        });
        collector.done.join();
        return new Exchange(collector.info.statusCode(), collector.info.headers(), collector.bytes.toByteArray(), collector.broken);
    }

    /**
     * Keeps every byte delivered before the body ends or breaks (the JDK's InputStream body may drop
     * buffered bytes when the connection fails).
     */
    private static final class Collector implements Flow.Subscriber<List<ByteBuffer>> {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile boolean broken;
        volatile HttpResponse.ResponseInfo info;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable error) {
            broken = true;
            done.complete(null);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }

    LlmSimulator sim() {
        return sim;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        sim.close();
    }
}
