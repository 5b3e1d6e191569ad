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
}
