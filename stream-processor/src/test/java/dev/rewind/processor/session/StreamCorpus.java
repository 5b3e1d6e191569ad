package dev.rewind.processor.session;

import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Real-looking streams for the property and fuzz suites: the project's fixtures, the shared
 * recordings (when {@code ../shared/fixtures} exists) and llm-sim's output in each format it speaks,
 * faults included — fetched once per test JVM over loopback.
 */
final class StreamCorpus {

    record Entry(String name, ProviderFormat format, byte[] bytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static List<Entry> all;

    private StreamCorpus() {}

    static synchronized List<Entry> all() {
        if (all == null) {
            List<Entry> entries = new ArrayList<>(fixtures(Path.of("src/test/resources/fixtures")));
            if (SharedFixtures.dir() != null) {
                entries.addAll(fixtures(SharedFixtures.dir()));
            }
            entries.addAll(simulated());
            all = List.copyOf(entries);
        }
        return all;
    }

    private static List<Entry> fixtures(Path root) {
        List<Entry> entries = new ArrayList<>();
        GoldenFixturesTest.FORMATS.forEach((folder, format) -> {
            Path dir = root.resolve(folder);
            if (!Files.isDirectory(dir)) {
                return;
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(GoldenFixturesTest::isStream).sorted().forEach(file -> entries.add(
                        new Entry(folder + "/" + file.getFileName(), format, read(file))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return entries;
    }

    /** A few answers per format, plain and with in-band faults (an error, a malformed line). */
    private static List<Entry> simulated() {
        List<Entry> entries = new ArrayList<>();
        try (LlmSimulator sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 0, first_token_delay_ms: 0}"), Map.of(), "llm-sim-defaults.yaml"));
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            for (String model : List.of("sim-small", "sim-small@error-after=4x1", "sim-small@malformed-after=3")) {
                String messages = "[{\"role\":\"user\",\"content\":\"corpus " + model + "\"}]";
                entries.add(fetch(http, sim.baseUrl(), "/v1/chat/completions", ProviderFormat.OPENAI_CHAT, model,
                        "{\"model\":\"" + model + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":" + messages + "}"));
                entries.add(fetch(http, sim.baseUrl(), "/v1/messages", ProviderFormat.ANTHROPIC, model,
                        "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":64,\"messages\":" + messages + "}"));
                entries.add(fetch(http, sim.baseUrl(), "/v1/responses", ProviderFormat.OPENAI_RESPONSES, model,
                        "{\"model\":\"" + model + "\",\"stream\":true,\"input\":" + messages + "}"));
            }
        }
        return entries;
    }

    private static Entry fetch(HttpClient http, URI base, String path, ProviderFormat format, String model, String body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("llm-sim answered " + response.statusCode() + " to " + path + ": "
                        + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return new Entry("llm-sim " + format.wireName() + " " + model, format, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
