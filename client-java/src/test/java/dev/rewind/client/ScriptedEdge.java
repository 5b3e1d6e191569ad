package dev.rewind.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A scripted edge on loopback (the JDK's HTTP server, port 0): each request is recorded and answered by the test's script. */
final class ScriptedEdge implements AutoCloseable {

    /** One recorded request. */
    record Request(String method, String path, Map<String, List<String>> headers) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    @FunctionalInterface
    interface Script {
        void answer(HttpExchange exchange, int n) throws Exception;
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    ScriptedEdge(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        AtomicInteger count = new AtomicInteger();
        server.createContext("/", exchange -> {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders())));
            try {
                script.answer(exchange, count.getAndIncrement());
            } catch (Exception e) {
                // the script dropped the connection on purpose, or the client went away
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> streams() {
        return requests.stream().filter(r -> r.path().endsWith("/events")).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static String frame(String id, String type, String json) {
        return "id: " + id + "\nevent: " + type + "\ndata: " + json + "\n\n";
    }

    /** start (seq 1), one token per text, done — ids {@code 0-<seq+99>-<seq>}. */
    static List<String> session(String... texts) {
        List<String> frames = new java.util.ArrayList<>();
        frames.add(frame(id(1), "start", "{\"type\":\"start\",\"seq\":1,\"upstream\":\"sim\",\"model\":\"m\"}"));
        for (int i = 0; i < texts.length; i++) {
            frames.add(frame(id(i + 2), "token", "{\"type\":\"token\",\"seq\":" + (i + 2) + ",\"text\":\"" + texts[i] + "\"}"));
        }
        int last = texts.length + 2;
        frames.add(frame(id(last), "done", "{\"type\":\"done\",\"seq\":" + last + ",\"finish_reason\":\"stop\"}"));
        return frames;
    }

    static String id(int seq) {
        return "0-" + (seq + 99) + "-" + seq;
    }

    static OutputStream sse(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static void status(HttpExchange exchange, int status, String detail, Map<String, String> headers) throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        if (status == 204) {
            exchange.sendResponseHeaders(204, -1);
            return;
        }
        byte[] body = ("{\"type\":\"about:blank\",\"status\":" + status + ",\"title\":\"t\",\"detail\":\"" + detail + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    static void json(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
