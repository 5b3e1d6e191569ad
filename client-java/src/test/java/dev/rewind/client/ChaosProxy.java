package dev.rewind.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of the edge that cuts connections: each connection, once cuts are
 * on, is reset after a random number of bytes from the edge (so anywhere — in the headers, inside
 * an event, between events), and {@link #cutAll()} resets every open one at once.
 */
final class ChaosProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final Random random;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger cuts = new AtomicInteger();
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
                Thread.ofVirtual().start(() -> pump(client, edge, Long.MAX_VALUE));
                Thread.ofVirtual().start(() -> pump(edge, client, budget));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, long budget) {
        byte[] buffer = new byte[4096];
        long left = budget;
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            while (true) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    break;
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
