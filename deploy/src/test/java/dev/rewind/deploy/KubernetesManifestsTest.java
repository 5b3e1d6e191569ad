package dev.rewind.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.analytics.AnalyticsConfig;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.ingest.IngestConfig;
import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.ingest.upstream.UpstreamConfig;
import dev.rewind.processor.ProcessorConfig;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay of deploy/k8s, rendered by {@code kubectl kustomize}, starts the services it names: each container's
 * environment and mounted files load through the service's own config loader (an unknown key stops startup, and an
 * unknown REWIND_* variable would be ignored in silence, so both are refused here), its ports and probes are the
 * ones its config opens, its image is this build's, and the KafkaTopic resources are the topics the services expect.
 */
class KubernetesManifestsTest {

    private static final Set<String> SERVICES = Set.of("edge", "ingest", "stream-processor", "analytics");

    @TempDir
    Path scratch;

    static List<String> overlays() throws Exception {
        List<String> overlays = Kustomize.overlays();
        assertThat(overlays).contains("dev", "prod");
        return overlays;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerStartsWithTheConfigItsPodGivesIt(String overlay) throws Exception {
        RenderedManifests manifests = Kustomize.render(overlay);
        Set<String> seen = new TreeSet<>();
        for (Container c : containers(manifests, scratch)) {
            seen.add(c.service.container);
            Set<String> unknown = new TreeSet<>(c.pod.env().keySet().stream().filter(n -> n.startsWith("REWIND_")).toList());
            unknown.removeAll(c.service.environmentVariables());
            assertThat(unknown).as("%s/%s: REWIND_* variables that name no config key", overlay, c.name()).isEmpty();
            assertThat(c.config).as("%s/%s loads", overlay, c.name()).isInstanceOf(c.service.configType);
        }
        assertThat(seen).containsAll(SERVICES);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void secretsAreMountedFilesTheServicesRead(String overlay) throws Exception {
        RenderedManifests manifests = Kustomize.render(overlay);
        for (Container c : containers(manifests, scratch)) {
            if (c.config instanceof IngestConfig ingest) {
                Map<String, UpstreamConfig> mounted = new LinkedHashMap<>();
                ingest.upstreams().forEach((name, u) -> {
                    assertThat(u.apiKeyEnv()).as("%s: upstream %s takes its key from a file", overlay, name).isNull();
                    mounted.put(name, new UpstreamConfig(u.format(), u.baseUrl(), null, c.pod.rebased(u.apiKeyFile())));
                });
                // ingest's own resolution: a key file that is not mounted, or empty, stops startup naming it
                assertThat(Upstream.resolveAll(mounted, c.pod.env())).allSatisfy(
                        (name, upstream) -> assertThat(upstream.apiKey()).as("%s: key of %s", overlay, name).isPresent());
            }
            if (c.config instanceof EdgeConfig edge) {
                assertThat(c.pod.env().keySet()).as("%s: the auth section is not in the environment", overlay)
                        .noneMatch(name -> name.startsWith("REWIND_AUTH"));
                String secret = volumeSource(c.workload, c.pod.mounts().get(
                        Path.of(c.pod.env().get("REWIND_CONFIG")).getParent().toString())).path("secretName").asText();
                assertThat(secret).as("%s: the edge's config file is a Secret", overlay).isNotEmpty();
                if (manifests.rendersSecret(secret)) {
                    new ReadTokens(edge.auth(), Clock.systemUTC());
                } else {
                    assertThatThrownBy(() -> new ReadTokens(edge.auth(), Clock.systemUTC()))
                            .as("%s: the template's placeholder signing key cannot go live", overlay)
                            .isInstanceOf(ConfigException.class).hasMessageContaining("auth.signing_keys");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void portsAndProbesAreTheOnesEachServiceOpens(String overlay) throws Exception {
        RenderedManifests manifests = Kustomize.render(overlay);
        for (Container c : containers(manifests, scratch)) {
            int port = c.service.port(c.config);
            Map<String, Integer> ports = new HashMap<>();
            c.spec.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
            assertThat(ports.values()).as("%s/%s: container ports", overlay, c.name()).containsExactly(port);
            if (c.service == RewindService.LLM_SIM) {
                continue;
            }
            Map<String, String> paths = new TreeMap<>();
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                JsonNode get = c.spec.path(probe).path("httpGet");
                if (get.isMissingNode()) {
                    continue;
                }
                JsonNode probePort = get.path("port");
                assertThat(probePort.isInt() ? probePort.asInt() : ports.get(probePort.asText()))
                        .as("%s/%s: %s port", overlay, c.name(), probe).isEqualTo(port);
                paths.put(probe, get.path("path").asText());
            }
            assertThat(paths).as("%s/%s probes", overlay, c.name())
                    .containsEntry("livenessProbe", "/health/live").containsEntry("readinessProbe", "/health/ready");
            assertThat(paths.getOrDefault("startupProbe", "/health/live")).isEqualTo("/health/live");
        }
        for (JsonNode service : manifests.ofKind("Service")) {
            for (JsonNode port : service.path("spec").path("ports")) {
                assertThat(port.path("targetPort").asText()).as("%s: Service %s targets a named container port",
                        overlay, service.path("metadata").path("name").asText()).isIn("http", "ops");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyImageIsThisBuildsVersion(String overlay) throws Exception {
        String version = System.getProperty("rewind.version");
        assertThat(version).as("the build passes its version").isNotBlank();
        RenderedManifests manifests = Kustomize.render(overlay);
        for (JsonNode workload : manifests.workloads()) {
            for (JsonNode container : workload.path("spec").path("template").path("spec").path("containers")) {
                assertThat(container.path("image").asText()).as("%s: image of %s", overlay, container.path("name").asText())
                        .isEqualTo("rewind/" + container.path("name").asText() + ":" + version);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void kafkaTopicsAreTheTopicsEveryServiceExpects(String overlay) throws Exception {
        RenderedManifests manifests = Kustomize.render(overlay);
        List<TopicSettings> settings = new ArrayList<>();
        for (Container c : containers(manifests, scratch)) {
            switch (c.config) {
                case EdgeConfig e -> settings.add(e.topics());
                case IngestConfig i -> settings.add(i.topics());
                case ProcessorConfig p -> settings.add(p.topics());
                case AnalyticsConfig a -> settings.add(a.topics());
                default -> { }
            }
        }
        assertThat(Set.copyOf(settings)).as("%s: every service has the same topic settings", overlay).hasSize(1);
        TopicSettings topics = settings.getFirst();
        Map<String, JsonNode> byName = manifests.ofKind("KafkaTopic").stream()
                .collect(Collectors.toMap(t -> t.path("spec").path("topicName").asText(), t -> t));
        assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(Topics.ALL);
        byName.forEach((name, topic) -> {
            JsonNode spec = topic.path("spec");
            assertThat(spec.path("partitions").asInt()).as("%s: partitions of %s", overlay, name).isEqualTo(topics.partitions());
            assertThat(spec.path("replicas").asInt()).as("%s: replicas of %s", overlay, name)
                    .isEqualTo(topics.replicationFactor());
            Map<String, String> config = new TreeMap<>();
            spec.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            assertThat(config).as("%s: config of %s", overlay, name).isEqualTo(new TreeMap<>(topics.configsFor(name)));
        });
        JsonNode kafka = manifests.ofKind("Kafka").getFirst().path("spec").path("kafka").path("config");
        assertThat(kafka.path("min.insync.replicas").asInt()).isEqualTo(topics.minInsyncReplicas());
        assertThat(kafka.path("transaction.state.log.min.isr").asInt()).isEqualTo(topics.minInsyncReplicas());
        for (String internal : List.of("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "share.coordinator.state.topic.replication.factor", "default.replication.factor")) {
            assertThat(kafka.path(internal).asInt()).as("%s: %s", overlay, internal).isEqualTo(topics.replicationFactor());
        }
        int brokers = 0;
        for (JsonNode pool : manifests.ofKind("KafkaNodePool")) {
            List<String> roles = new ArrayList<>();
            pool.path("spec").path("roles").forEach(r -> roles.add(r.asText()));
            if (roles.contains("broker")) {
                brokers += pool.path("spec").path("replicas").asInt();
                if (brokers > 1) {
                    assertThat(roles).as("%s: several brokers run beside separate controllers (DESIGN §8)", overlay)
                            .doesNotContain("controller");
                }
            }
        }
        assertThat(brokers).as("%s: brokers for the replication factor", overlay).isEqualTo(topics.replicationFactor());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theEdgeOffersExactlyTheUpstreamsIngestCalls(String overlay) throws Exception {
        Map<String, String> edge = new TreeMap<>();
        Map<String, String> ingest = new TreeMap<>();
        for (Container c : containers(Kustomize.render(overlay), scratch)) {
            if (c.config instanceof EdgeConfig e) {
                e.upstreams().forEach((name, u) -> edge.put(name, u.format().wireName()));
            } else if (c.config instanceof IngestConfig i) {
                i.upstreams().forEach((name, u) -> ingest.put(name, u.format().wireName()));
            }
        }
        assertThat(edge).as(overlay).isNotEmpty().isEqualTo(ingest);
    }

    /**
     * The edge's memory limit holds the streams it admits, by deploy/k8s/README.md "Resources": a fixed 256 MiB,
     * 26.6 KB per connection (benchmarks.md, "Edge"), every window of sessions with subscribers and lingering ones,
     * and a tenth of the connections slow at once with full queues; the heap is 70 % of the container.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void theEdgeMemoryLimitHoldsTheStreamsItAdmits(String overlay) throws Exception {
        for (Container c : containers(Kustomize.render(overlay), scratch)) {
            if (c.config instanceof EdgeConfig edge) {
                long connections = edge.sse().maxConnections();
                double heap = 256 * MIB + connections * 26.6 * 1000
                        + (connections + edge.hub().lingerSessions()) * (double) edge.hub().windowBytes()
                        + connections / 10.0 * edge.sse().queueBytes();
                long limit = bytes(c.spec.path("resources").path("limits").path("memory").asText());
                assertThat(limit * 0.7).as("%s: 70 %% of the edge's memory limit against the heap it needs", overlay)
                        .isGreaterThanOrEqualTo(heap);
                assertThat(c.spec.path("resources").path("requests").path("memory").asText())
                        .as("memory requested = limit: an edge is never evicted for memory it was promised")
                        .isEqualTo(c.spec.path("resources").path("limits").path("memory").asText());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void terminationWaitsForTheDrainAndTheProcessorIsStaticallyMembered(String overlay) throws Exception {
        for (Container c : containers(Kustomize.render(overlay), scratch)) {
            long grace = c.workload.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong(30);
            if (c.config instanceof EdgeConfig edge) {
                JsonNode preStop = c.spec.path("lifecycle").path("preStop").path("exec").path("command");
                assertThat(preStop.get(0).asText()).isEqualTo("sleep");
                long sleep = preStop.get(1).asLong();
                assertThat(grace).as("%s: preStop + shutdown.drain_ms + 20 s for the closes", overlay)
                        .isGreaterThanOrEqualTo(sleep + edge.shutdown().drainMs() / 1000 + 20);
            } else if (c.config instanceof IngestConfig) {
                assertThat(grace).as("%s: IngestService.close takes up to 29 s", overlay).isGreaterThanOrEqualTo(29);
            } else if (c.config instanceof ProcessorConfig processor) {
                assertThat(grace).as("Kafka Streams close waits up to 10 s").isGreaterThanOrEqualTo(10);
                assertThat(c.workload.path("kind").asText()).isEqualTo("StatefulSet");
                assertThat(processor.groupInstanceId()).as("static membership from the pod name")
                        .isEqualTo(c.workload.path("metadata").path("name").asText() + "-0");
                assertThat(c.pod.mounts()).as("the state dir is the pod's own volume")
                        .containsEntry(processor.stateDir(), "state");
                int replicas = c.workload.path("spec").path("replicas").asInt();
                assertThat(processor.numStandbyReplicas()).as("%s: standbys where another instance exists", overlay)
                        .isEqualTo(replicas > 1 ? 1 : 0);
            } else if (c.config instanceof AnalyticsConfig analytics) {
                assertThat(grace).isGreaterThanOrEqualTo(10);
                assertThat(c.pod.mounts()).containsEntry(analytics.stateDir(), "state");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void onlyTheEdgeIsReachableFromOutside(String overlay) throws Exception {
        RenderedManifests manifests = Kustomize.render(overlay);
        List<JsonNode> policies = manifests.ofKind("NetworkPolicy");
        assertThat(policies).as("%s: a default deny for every pod", overlay).anySatisfy(p -> {
            assertThat(p.path("spec").path("podSelector").isEmpty()).isTrue();
            assertThat(p.path("spec").path("ingress").isMissingNode()).isTrue();
        });
        for (JsonNode policy : policies) {
            for (JsonNode rule : policy.path("spec").path("ingress")) {
                if (rule.path("from").isMissingNode()) {
                    assertThat(policy.path("spec").path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText())
                            .as("%s: %s opens pods to any source", overlay, policy.path("metadata").path("name").asText())
                            .isEqualTo("edge");
                }
            }
        }
        assertThat(manifests.ofKind("Service")).allSatisfy(s -> assertThat(s.path("spec").path("type").asText("ClusterIP"))
                .as("no Service is exposed on the nodes or a load balancer; the ingress or gateway is").isEqualTo("ClusterIP"));
    }

    /** Ingress and Gateway API routes to the edge never buffer a stream nor cut one that only heartbeats. */
    @ParameterizedTest
    @MethodSource("overlays")
    void routesToTheEdgeAreSafeForStreams(String overlay) throws Exception {
        RenderedManifests manifests = Kustomize.render(overlay);
        EdgeConfig edge = containers(manifests, scratch).stream().map(Container::config)
                .filter(EdgeConfig.class::isInstance).map(EdgeConfig.class::cast).findFirst().orElseThrow();
        long quietSeconds = Math.max(edge.sse().heartbeatMs(), edge.ws().pingMs()) / 1000;
        List<JsonNode> routes = new ArrayList<>(manifests.ofKind("Ingress"));
        routes.addAll(manifests.ofKind("HTTPRoute"));
        assertThat(routes).as("%s routes outside traffic to the edge", overlay).isNotEmpty();
        for (JsonNode ingress : manifests.ofKind("Ingress")) {
            JsonNode annotations = ingress.path("metadata").path("annotations");
            assertThat(annotations.path("nginx.ingress.kubernetes.io/proxy-buffering").asText()).isEqualTo("off");
            for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
                assertThat(annotations.path("nginx.ingress.kubernetes.io/" + timeout).asLong())
                        .as("%s: %s against a heartbeat every %d s", overlay, timeout, quietSeconds)
                        .isGreaterThanOrEqualTo(4 * quietSeconds);
            }
            ingress.findValues("service").forEach(backend -> assertThat(backend.path("name").asText()).isEqualTo("edge"));
        }
        for (JsonNode route : manifests.ofKind("HTTPRoute")) {
            for (JsonNode rule : route.path("spec").path("rules")) {
                assertThat(rule.path("timeouts").path("request").asText()).as("a stream is one long request").isEqualTo("0s");
                rule.path("backendRefs").forEach(ref -> assertThat(ref.path("name").asText()).isEqualTo("edge"));
            }
        }
    }

    private static final double MIB = 1024 * 1024;

    private static long bytes(String quantity) {
        Map<String, Long> units = Map.of("Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30);
        for (Map.Entry<String, Long> unit : units.entrySet()) {
            if (quantity.endsWith(unit.getKey())) {
                return Long.parseLong(quantity.substring(0, quantity.length() - 2)) * unit.getValue();
            }
        }
        return Long.parseLong(quantity);
    }

    private static JsonNode volumeSource(JsonNode workload, String volumeName) {
        for (JsonNode volume : workload.path("spec").path("template").path("spec").path("volumes")) {
            if (volume.path("name").asText().equals(volumeName)) {
                return volume.path("secret");
            }
        }
        throw new AssertionError("no volume " + volumeName);
    }

    /** One container of a rendered workload, its pod's view, and the config its service loaded from that view. */
    private record Container(JsonNode workload, JsonNode spec, RewindService service, PodEnvironment pod, Object config) {
        String name() {
            return workload.path("metadata").path("name").asText() + "/" + spec.path("name").asText();
        }
    }

    private static List<Container> containers(RenderedManifests manifests, Path scratch) throws Exception {
        List<Container> containers = new ArrayList<>();
        for (JsonNode workload : manifests.workloads()) {
            for (JsonNode spec : workload.path("spec").path("template").path("spec").path("containers")) {
                String name = spec.path("name").asText();
                RewindService service = RewindService.forContainer(name)
                        .orElseThrow(() -> new AssertionError(manifests.overlay() + ": no Rewind service runs as " + name));
                Path root = Files.createTempDirectory(scratch, manifests.overlay() + "-" + name);
                PodEnvironment pod = new PodEnvironment(manifests, workload, spec, root);
                containers.add(new Container(workload, spec, service, pod, service.load(pod)));
            }
        }
        return containers;
    }
}
