package dev.rewind.standalone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.broker.BrokerSettings;
import dev.rewind.broker.EmbeddedKafkaBroker;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.ingest.IngestConfig;
import dev.rewind.ingest.IngestService;
import dev.rewind.processor.ProcessorConfig;
import dev.rewind.processor.StreamProcessor;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.telemetry.Telemetry;
import dev.rewind.protocol.telemetry.TelemetrySettings;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole stack in one process: the embedded broker, then the simulator, the stream processor,
 * ingest and the edge, each with its own config built from the standalone config. Closing stops
 * them in reverse order.
 */
public final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);
    private static final String DEMO_OWNER = "demo";
    /** The simulator, once per wire format it speaks, by upstream name: the format and its base path. */
    static final Map<String, SimUpstream> SIM_UPSTREAMS = Map.of(
            "sim", new SimUpstream("openai-chat", "/v1"),
            "sim-responses", new SimUpstream("openai-responses", "/v1"),
            "sim-anthropic", new SimUpstream("anthropic", "/v1"),
            // Ollama's native API is at the server's root (/api/chat); Gemini's under /v1beta
            "sim-ollama", new SimUpstream("ollama", ""),
            "sim-gemini", new SimUpstream("gemini", "/v1beta"));

    /** A provider format the simulator speaks, and the base URL's path under which it does. */
    record SimUpstream(String format, String basePath) {}

    private final Deque<AutoCloseable> running;
    private final EdgeServer edge;
    private final LlmSimulator sim;
    private final String demoApiKey;
    private final EdgeConfig.RateLimit rateLimit;

    private Standalone(Deque<AutoCloseable> running, EdgeServer edge, LlmSimulator sim, String demoApiKey,
            EdgeConfig.RateLimit rateLimit) {
        this.running = running;
        this.edge = edge;
        this.sim = sim;
        this.demoApiKey = demoApiKey;
        this.rateLimit = rateLimit;
    }

    /** How each embedded service gets its tracing: by its service name ({@code rewind-edge}, …) and settings. */
    @FunctionalInterface
    public interface Tracing {
        Telemetry start(String service, TelemetrySettings settings);
    }

    public static Standalone start(StandaloneConfig config) {
        return start(config, (service, settings) -> Telemetry.start(service, settings, System.getenv()));
    }

    /** As above, each service's tracing from {@code tracing} (tests export into memory). */
    public static Standalone start(StandaloneConfig config, Tracing tracing) {
        Path dataDir = Path.of(config.dataDir()).toAbsolutePath();
        Ports.requireFree(config.http().host(), config.http().port(), "http.port");
        Ports.requireFree(config.sim().host(), config.sim().port(), "sim.port");
        Ports.requireFree(config.broker().host(), config.broker().port(), "broker.port");
        Ports.requireFree(config.broker().host(), config.broker().controllerPort(), "broker.controller_port");
        Ports.requireFree(config.ops().host(), config.ops().ingestPort(), "ops.ingest_port");
        Ports.requireFree(config.ops().host(), config.ops().processorPort(), "ops.processor_port");
        StandaloneSecrets secrets = StandaloneSecrets.loadOrCreate(dataDir);
        Deque<AutoCloseable> running = new ArrayDeque<>();
        try {
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(new BrokerSettings(dataDir, config.broker().host(),
                    config.broker().port(), config.broker().controllerPort(), config.partitions()));
            running.push(broker);
            String bootstrap = broker.bootstrapServers();
            LlmSimulator sim = LlmSimulator.start(component(SimConfig.class, "sim", simOverlay(config), null,
                    "llm-sim-defaults.yaml"));
            running.push(sim);
            ProcessorConfig processorConfig = component(ProcessorConfig.class, "processor",
                    processorOverlay(config, bootstrap, dataDir), config.processor(),
                    ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml");
            running.push(StreamProcessor.start(processorConfig,
                    tracing.start("rewind-stream-processor", processorConfig.telemetry())));
            IngestConfig ingestConfig = component(IngestConfig.class, "ingest",
                    ingestOverlay(config, bootstrap, sim), config.ingest(),
                    ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml");
            running.push(IngestService.start(ingestConfig, System.getenv(), new SimpleMeterRegistry(),
                    tracing.start("rewind-ingest", ingestConfig.telemetry())));
            EdgeConfig edgeConfig = component(EdgeConfig.class, "edge",
                    edgeOverlay(config, bootstrap, secrets, dataDir), config.edge(),
                    ConfigLoader.KAFKA_DEFAULTS, "edge-defaults.yaml");
            EdgeServer edge = EdgeServer.start(edgeConfig, Clock.systemUTC(), tracing.start("rewind-edge", edgeConfig.telemetry()));
            running.push(edge);
            return new Standalone(running, edge, sim, secrets.demoApiKey(), edgeConfig.rateLimit());
        } catch (RuntimeException e) {
            closeAll(running);
            throw e;
        }
    }

    public int httpPort() {
        return edge.port();
    }

    /** The embedded simulator: its recent requests are the ground truth end-to-end tests compare with. */
    public LlmSimulator simulator() {
        return sim;
    }

    /** The demo API key (kept in the data directory, the same across restarts). */
    public String demoApiKey() {
        return demoApiKey;
    }

    /** What a new user meets first when driving load with the demo key: its creation rate limit, and how to lift it. */
    public String demoKeyLimits() {
        return "at most " + rateLimit.sessionsPerPeriod() + " new sessions per " + rateLimit.periodMs()
                + " ms (more get 429 with Retry-After; raise edge.rate_limit.sessions_per_period in a --config file for load tests)";
    }

    @Override
    public void close() {
        closeAll(running);
    }

    private static void closeAll(Deque<AutoCloseable> running) {
        while (!running.isEmpty()) {
            AutoCloseable component = running.pop();
            try {
                component.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", component.getClass().getSimpleName(), e.toString());
            }
        }
    }

    /** A component's config: its defaults, what standalone decides, then the user's raw section. */
    private static <T> T component(Class<T> type, String section, ObjectNode decided, ObjectNode userSection,
            String... defaults) {
        if (userSection != null) {
            ConfigLoader.merge(decided, userSection);
        }
        try {
            return ConfigLoader.load(type, decided, Map.of(), defaults);
        } catch (ConfigException e) {
            throw e.within(section);
        }
    }

    private static ObjectNode simOverlay(StandaloneConfig config) {
        ObjectNode sim = Json.MAPPER.createObjectNode();
        sim.put("host", config.sim().host());
        sim.put("port", config.sim().port());
        sim.put("tokens_per_second", config.sim().tokensPerSecond());
        sim.put("first_token_delay_ms", config.sim().firstTokenDelayMs());
        return sim;
    }

    /** What every Kafka-facing component shares: the broker, the partition count, and the telemetry section. */
    private static ObjectNode kafka(StandaloneConfig config, String bootstrap) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.putObject("kafka").put("bootstrap_servers", bootstrap);
        node.putObject("topics").put("partitions", config.partitions());
        node.putObject("telemetry").put("endpoint", config.telemetry().endpoint())
                .put("capture_content", config.telemetry().captureContent());
        return node;
    }

    private static ObjectNode processorOverlay(StandaloneConfig config, String bootstrap, Path dataDir) {
        ObjectNode processor = kafka(config, bootstrap);
        processor.put("state_dir", dataDir.resolve("streams").toString());
        processor.putObject("ops").put("host", config.ops().host()).put("port", config.ops().processorPort());
        return processor;
    }

    private static ObjectNode ingestOverlay(StandaloneConfig config, String bootstrap, LlmSimulator sim) {
        ObjectNode ingest = kafka(config, bootstrap);
        ingest.putObject("ops").put("host", config.ops().host()).put("port", config.ops().ingestPort());
        ObjectNode upstreams = ingest.putObject("upstreams");
        SIM_UPSTREAMS.forEach((name, upstream) -> upstreams.putObject(name).put("format", upstream.format())
                .put("base_url", sim.baseUrl() + upstream.basePath()));
        return ingest;
    }

    private static ObjectNode edgeOverlay(StandaloneConfig config, String bootstrap, StandaloneSecrets secrets,
            Path dataDir) {
        ObjectNode edge = kafka(config, bootstrap);
        edge.putObject("store").put("dir", dataDir.resolve("edge-store").toString());
        edge.putObject("http").put("host", config.http().host()).put("port", config.http().port());
        ObjectNode auth = edge.putObject("auth");
        auth.putArray("api_keys").addObject().put("id", DEMO_OWNER).put("sha256", ApiKeys.digestOf(secrets.demoApiKey()));
        auth.putObject("signing_keys").put("standalone", secrets.signingKey());
        auth.put("active_signing_key", "standalone");
        ObjectNode upstreams = edge.putObject("upstreams");
        SIM_UPSTREAMS.forEach((name, upstream) -> upstreams.putObject(name).put("format", upstream.format()));
        edge.put("default_upstream", "sim");
        // an AI SDK useChat client that sends no model gets the simulator's
        edge.putObject("compat").put("ai_sdk_default_model", "sim-small");
        ObjectNode demo = edge.putObject("demo").put("enabled", config.demo());
        if (config.demo()) {
            demo.put("api_key", secrets.demoApiKey());
        }
        return edge;
    }
}
