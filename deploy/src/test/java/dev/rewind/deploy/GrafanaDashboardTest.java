package dev.rewind.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.analytics.AnalyticsApp;
import dev.rewind.analytics.AnalyticsConfig;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.stream.SseConnection;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.standalone.Ports;
import dev.rewind.standalone.Standalone;
import dev.rewind.standalone.StandaloneConfig;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/grafana/rewind-dashboard.json asks only for metrics the code exports: every query's metric is in a scrape
 * of the edge, ingest and the processor as the standalone serves them, and of the analytics app beside it, after
 * one session has streamed to its end (labelled series appear with their first sample). So is the edge HPA's metric.
 */
class GrafanaDashboardTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Path DASHBOARD = Kustomize.DEPLOY_DIR.resolve("grafana/rewind-dashboard.json");

    @TempDir
    Path dataDir;

    @Test
    void everyQueryOfTheDashboardAndTheAutoscalerNamesAnExportedMetric() throws Exception {
        JsonNode dashboard = Json.MAPPER.readTree(Files.readString(DASHBOARD));
        Map<String, Set<String>> queried = queriedMetrics(dashboard);
        assertThat(queried).as("the dashboard has queries").hasSizeGreaterThan(20);
        int[] ports = Ports.freeLoopbackPorts(7);
        // priced, so that the session's cost is exported too
        StandaloneConfig config = StandaloneConfig.onLoopback(dataDir, ports, "tokens_per_second: 200",
                "processor: {prices: {currency: USD, models: {sim: {sim-small: {input: 0.15, output: 0.60}}}}}");
        try (Standalone stack = Standalone.start(config);
                AnalyticsApp analytics = AnalyticsApp.start(ConfigLoader.load(AnalyticsConfig.class, ConfigLoader.parseYaml("""
                        kafka: {bootstrap_servers: "127.0.0.1:%d"}
                        topics: {partitions: 3}
                        state_dir: "%s"
                        commit_interval_ms: 100
                        ops: {host: 127.0.0.1, port: %d}
                        """.formatted(ports[2], dataDir.resolve("analytics"), ports[6])), Map.of(),
                        ConfigLoader.KAFKA_DEFAULTS, "analytics-defaults.yaml"))) {
            String base = "http://127.0.0.1:" + stack.httpPort();
            EdgeTestClient.CreatedSession session = EdgeTestClient.createSession(HTTP, base, stack.demoApiKey(),
                    "A session for the dashboard's metrics");
            try (SseConnection sse = SseConnection.open(HTTP, EdgeTestClient.eventsUri(base, session.id()), session.bearer())) {
                await().atMost(Duration.ofSeconds(60)).until(sse::ended);
                assertThat(sse.events().getLast().event()).isEqualTo("done");
            }
            List<URI> scrapes = List.of(URI.create(base + "/metrics"),
                    URI.create("http://127.0.0.1:" + config.ops().ingestPort() + "/metrics"),
                    URI.create("http://127.0.0.1:" + config.ops().processorPort() + "/metrics"),
                    URI.create("http://127.0.0.1:" + ports[6] + "/metrics"));
            // analytics exports a session's series once its window holds the ended session
            await().atMost(Duration.ofSeconds(60)).until(() -> exported(List.of(scrapes.getLast()))
                    .contains("rewind_analytics_sessions_total"));
            Set<String> exported = exported(scrapes);

            Map<String, Set<String>> missing = new TreeMap<>();
            queried.forEach((query, names) -> {
                Set<String> absent = new TreeSet<>(names);
                absent.removeAll(exported);
                if (!absent.isEmpty()) {
                    missing.put(query, absent);
                }
            });
            assertThat(missing).as("queries naming metrics no service exports").isEmpty();
            assertThat(exported).as("the edge HPA's Pods metric (deploy/k8s/overlays/prod/edge-hpa.yaml)").contains(autoscalerMetric());
        }
    }

    /** Each query of the dashboard (panel targets and template variables) with the metric names it reads. */
    private static Map<String, Set<String>> queriedMetrics(JsonNode dashboard) {
        Map<String, Set<String>> queries = new TreeMap<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        dashboard.path("panels").forEach(p -> p.path("panels").forEach(panels::add));
        for (JsonNode panel : panels) {
            if (!panel.path("type").asText().equals("row")) {
                assertThat(panel.path("targets")).as("panel %s has a query", panel.path("title").asText()).isNotEmpty();
            }
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertThat(PromQl.metricNames(expr)).as("query %s reads a metric", expr).isNotEmpty();
                queries.put(expr, PromQl.metricNames(expr));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            String query = variable.path("query").path("query").asText("");
            if (query.startsWith("label_values(")) {
                String metric = query.substring("label_values(".length(), query.indexOf(','));
                queries.put(query, Set.of(metric.strip()));
            }
        }
        return queries;
    }

    /** The sample names of the Prometheus text that each URI serves. */
    private static Set<String> exported(List<URI> scrapes) throws Exception {
        Set<String> names = new TreeSet<>();
        for (URI uri : scrapes) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET %s", uri).isEqualTo(200);
            for (String line : response.body().split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
        return names;
    }

    private static String autoscalerMetric() throws Exception {
        for (JsonNode resource : Kustomize.parse(Files.readString(Kustomize.K8S_DIR.resolve("overlays/prod/edge-hpa.yaml")))) {
            if (resource.path("kind").asText().equals("HorizontalPodAutoscaler")) {
                for (JsonNode metric : resource.path("spec").path("metrics")) {
                    if (metric.path("type").asText().equals("Pods")) {
                        return metric.path("pods").path("metric").path("name").asText();
                    }
                }
            }
        }
        throw new AssertionError("the edge HPA scales on no Pods metric");
    }
}
