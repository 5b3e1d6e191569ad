package dev.rewind.protocol.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rewind.protocol.config.ConfigException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's operations listener: {@code GET /health/live} (200 while the process answers),
 * {@code GET /health/ready} (200 or 503 from the service's readiness check) and {@code GET /metrics}
 * (Prometheus text). It is the JDK's own HTTP server: ingest and the Streams apps have no web
 * framework, and three read-only routes scraped every few seconds need none. Two threads and a queue
 * of 32 serve it; beyond that a request is refused at once, so a flood of probes never grows threads
 * nor delays the service's own work.
 */
public final class OpsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final int THREADS = 2;
    private static final int QUEUED = 32;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;

    private OpsServer(HttpServer server, ThreadPoolExecutor executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts listening, or returns null when {@code settings.enabled()} is false. {@code metrics}
     * gives the scrape text (usually {@code registry::scrape}); {@code ready} must answer quickly,
     * from state the service already keeps.
     */
    public static OpsServer start(String service, OpsSettings settings, Supplier<String> metrics, BooleanSupplier ready) {
        if (!settings.enabled()) {
            return null;
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), QUEUED);
        } catch (BindException e) {
            throw new ConfigException("ops.port", "cannot listen on " + settings.host() + ":" + settings.port() + " ("
                    + e.getMessage() + "); choose another port");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the ops listener on " + settings.host() + ":" + settings.port(), e);
        }
        server.createContext("/health/live", exchange -> {
            if (allowGet(exchange)) {
                respond(exchange, 200, "application/json", "{\"status\":\"UP\"}");
            }
        });
        server.createContext("/health/ready", exchange -> {
            if (allowGet(exchange)) {
                boolean up = isReady(service, ready);
                respond(exchange, up ? 200 : 503, "application/json", "{\"status\":\"" + (up ? "UP" : "DOWN") + "\"}");
            }
        });
        server.createContext("/metrics", exchange -> {
            if (allowGet(exchange)) {
                respond(exchange, 200, PROMETHEUS_TEXT, metrics.get());
            }
        });
        server.createContext("/", exchange -> problem(exchange, 404, "Not Found",
                "served here: /health/live, /health/ready, /metrics"));
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED), Thread.ofPlatform().daemon().name(service + "-ops-", 0).factory(),
                (refused, pool) -> LOG.debug("{} ops listener busy: a request was refused", service));
        server.setExecutor(executor);
        server.start();
        LOG.info("{} serves /health/live, /health/ready and /metrics on {}:{}", service, settings.host(),
                server.getAddress().getPort());
        return new OpsServer(server, executor);
    }

    /** A readiness check that throws is not ready, and says why in the log. */
    private static boolean isReady(String service, BooleanSupplier ready) {
        try {
            return ready.getAsBoolean();
        } catch (RuntimeException e) {
            LOG.warn("{} readiness check failed: {}", service, e.toString());
            return false;
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static boolean allowGet(HttpExchange exchange) throws IOException {
        if (exchange.getRequestMethod().equals("GET")) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET");
        problem(exchange, 405, "Method Not Allowed", "only GET is served here");
        return false;
    }

    /** An RFC 9457 problem body. */
    private static void problem(HttpExchange exchange, int status, String title, String detail) throws IOException {
        respond(exchange, status, "application/problem+json",
                "{\"status\":" + status + ",\"title\":\"" + title + "\",\"detail\":\"" + detail + "\"}");
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A registry for {@link #start}'s metrics: Prometheus text, the service's meters and Kafka clients' beside each other. */
    public static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
