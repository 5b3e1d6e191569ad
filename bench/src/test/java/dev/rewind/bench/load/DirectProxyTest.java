package dev.rewind.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The direct baseline serves the SSE shape the load client reads, so one client measures both paths. */
class DirectProxyTest {

    private static LlmSimulator sim;
    private static DirectProxy proxy;

    @BeforeAll
    static void start() {
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, first_token_delay_ms: 0}"), Map.of(), "llm-sim-defaults.yaml"));
        proxy = new DirectProxy(sim.baseUrl(), 10);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        sim.close();
    }

    @Test
    void subscribersResumingByLastEventIdGetThePlannedTranscriptWithStampedLatencies() throws InterruptedException {
        LoadOptions options = LoadOptions.parse(new String[] {"--tokens=40", "--tps=20", "--subscribers=2", "--disconnects=2"});
        // 40 tokens at 20/s: the subscribers connect long before the last tokens, so some arrive live
        LoadStats stats = new LoadStats();
        stats.startMeasuring();

        new SessionClient(new SessionClient.Target("direct", proxy.port(), null), options, stats).run(1, false);

        assertThat(stats.failures()).isEmpty();
        assertThat(stats.sessionsExact.sum()).isEqualTo(1);
        assertThat(stats.plannedDisconnects.sum()).isEqualTo(4);
        assertThat(stats.resume.total().getTotalCount()).isEqualTo(4);
        assertThat(stats.latency.total().getTotalCount()).isPositive();
        assertThat(stats.connections.get()).isZero();
    }

    @Test
    void anUnknownSessionIsNotFound() throws Exception {
        try (var sse = new dev.rewind.bench.edge.RawSse(proxy.port(), "/v1/sessions/nope/events", "direct", null)) {
            assertThat(sse.status).isEqualTo(404);
        }
    }
}
