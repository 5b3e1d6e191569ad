package dev.rewind.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of the edge that cuts connections: each connection, once cuts are
 * on, is reset after a random number of bytes from the edge (so anywhere — in the headers, inside
 * an event, between events), and {@link #cutAll()} resets every open one at once. It also notes
 * the head of every request the client sends, so a test sees what went to the edge.
 */
final class ChaosProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final Random random;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger cuts = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile int minBytes;
    private volatile int maxBytes;

    ChaosProxy(int targetPort, long seed) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.random = new Random(seed);
        Thread.ofVirtual().name("chaos-proxy-accept").start(this::accept);
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** From now on each new connection is cut after between {@code min} and {@code max} bytes from the edge. */
    void cutAfterRandomBytes(int min, int max) {
        this.minBytes = min;
        this.maxBytes = max;
    }

    void noCuts() {
        this.maxBytes = 0;
    }

    /** Resets every open connection now. */
    void cutAll() {
        for (Socket socket : open) {
            reset(socket);
        }
        cuts.incrementAndGet();
    }

    /** Connections cut so far (a {@link #cutAll()} counts once). */
    int cuts() {
        return cuts.get();
    }

    /** Every request sent through the proxy so far, in the order their heads were complete. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** A request's method, target and the two headers a resume depends on (null when absent). */
    record Request(String method, String target, String bearer, String lastEventId) {}

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket edge = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(edge);
                long budget;
                synchronized (random) {
                    budget = maxBytes == 0 ? Long.MAX_VALUE : minBytes + random.nextInt(maxBytes - minBytes + 1);
                }
                RequestHeads heads = new RequestHeads();
                Thread.ofVirtual().start(() -> pump(client, edge, Long.MAX_VALUE, heads));
                Thread.ofVirtual().start(() -> pump(edge, client, budget, null));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Copies bytes until the budget is spent; {@code heads} (null for the edge's side) sees them on the way. */
    private void pump(Socket from, Socket to, long budget, RequestHeads heads) {
        byte[] buffer = new byte[4096];
        long left = budget;
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            while (true) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    break;
                }
                if (heads != null) {
                    heads.read(buffer, n);
                }
                out.write(buffer, 0, n);
                out.flush();
                left -= n;
                if (left == 0) {
                    cuts.incrementAndGet();
                    break;
                }
            }
        } catch (IOException e) {
            // the other side went away or was cut
        } finally {
            reset(from);
            reset(to);
        }
    }

    /**
     * Finds the request heads in the bytes of one client connection (HTTP/1.1: the edge has no
     * HTTP/2), skipping bodies by Content-Length. A head longer than the edge would accept ends the
     * noting for that connection, so the proxy stays bounded.
     */
    private final class RequestHeads {
        private static final int MAX_HEAD_CHARS = 64 * 1024;
        private final StringBuilder head = new StringBuilder();
        private long bodyLeft;
        private boolean gaveUp;

        void read(byte[] buffer, int n) {
            for (int i = 0; i < n && !gaveUp; i++) {
                if (bodyLeft > 0) {
                    bodyLeft--;
                    continue;
                }
                head.append((char) (buffer[i] & 0xff));
                int length = head.length();
                if (length >= 4 && head.substring(length - 4).equals("\r\n\r\n")) {
                    note(head.substring(0, length - 4));
                    head.setLength(0);
                } else if (length > MAX_HEAD_CHARS) {
                    gaveUp = true;
                }
            }
        }

        private void note(String text) {
            String[] lines = new String(text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String bearer = null;
            String lastEventId = null;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String value = lines[i].substring(colon + 1).trim();
                switch (lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT)) {
                    case "authorization" -> bearer = value.startsWith("Bearer ") ? value.substring(7) : null;
                    case "last-event-id" -> lastEventId = value;
                    case "content-length" -> bodyLeft = Long.parseLong(value);
                    default -> { }
                }
            }
            requests.add(new Request(requestLine[0], requestLine.length > 1 ? requestLine[1] : "", bearer, lastEventId));
        }
    }

    private void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // RST, like a dropped network path, not a polite end
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
        open.remove(socket);
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(this::reset);
    }
}
