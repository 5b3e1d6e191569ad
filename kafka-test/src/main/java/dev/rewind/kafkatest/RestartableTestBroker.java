package dev.rewind.kafkatest;

import dev.rewind.broker.BrokerSettings;
import dev.rewind.broker.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * A broker of a test's own that can be stopped and started again on the same port with its data,
 * to take Kafka away mid-stream ({@link #stop()}, {@link #restart()}). Kafka's test kit cannot
 * restart a node, so this is the embedded production broker ({@link EmbeddedKafkaBroker}) on two
 * free ports and a temporary data directory. Not shared: each test that stops Kafka has its own.
 */
public final class RestartableTestBroker implements KafkaBroker, AutoCloseable {

    private static final String HOST = "127.0.0.1";

    private final BrokerSettings settings;
    private final Admin admin;
    private EmbeddedKafkaBroker running;

    private RestartableTestBroker(BrokerSettings settings) {
        this.settings = settings;
        this.running = EmbeddedKafkaBroker.start(settings);
        this.admin = Admin.create(clientConfig());
    }

    /** Starts a broker on free loopback ports with a fresh data directory. */
    public static RestartableTestBroker start() {
        try {
            Path dataDir = Files.createTempDirectory("rewind-restartable-broker");
            return new RestartableTestBroker(new BrokerSettings(dataDir, HOST, freePort(), freePort(), 3));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's data directory", e);
        }
    }

    /** Shuts the broker down: its port stops answering until {@link #restart()}. */
    public synchronized void stop() {
        if (running != null) {
            running.close();
            running = null;
        }
    }

    /** Starts the broker again on the same ports, with the data it had. */
    public synchronized void restart() {
        if (running == null) {
            running = EmbeddedKafkaBroker.start(settings);
        }
    }

    @Override
    public String bootstrapServers() {
        return settings.host() + ":" + settings.port();
    }

    @Override
    public Admin admin() {
        return admin;
    }

    @Override
    public String kind() {
        return "restartable";
    }

    @Override
    public void close() throws IOException {
        admin.close();
        stop();
        try (Stream<Path> files = Files.walk(settings.dataDir())) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
