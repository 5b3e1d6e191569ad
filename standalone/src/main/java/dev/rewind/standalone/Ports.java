package dev.rewind.standalone;

import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** The laptop stack listens on fixed ports: a taken one stops startup, naming the key that moves it. */
public final class Ports {

    private Ports() {}

    public static void requireFree(String host, int port, String key) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new ConfigException(key, "port " + port + " on " + host + " is already in use (another Rewind or"
                    + " Kafka?); choose a free one in standalone.yaml or with " + ConfigLoader.envName(key));
        }
    }

    /** {@code count} distinct loopback ports that were free a moment ago (for tests and the AOT training run). */
    public static int[] freeLoopbackPorts(int count) throws IOException {
        int[] ports = new int[count];
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
        return ports;
    }
}
