package dev.rewind.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node KRaft broker (broker and controller in one) embedded in this JVM: Kafka's production
 * {@code KafkaRaftServer} on fixed ports, with its data in a persistent directory formatted only
 * once, so topics survive restarts. Standalone runs it as the laptop's broker; tests stop and start
 * it again on the same ports and data to take Kafka away mid-stream (kafka-test's {@code RestartableTestBroker}).
 * Note that the broker halts the JVM on a fatal fault (a corrupt log, a full disk), as the standalone
 * Kafka server does.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    public static EmbeddedKafkaBroker start(BrokerSettings settings) {
        Path logDir = settings.dataDir().resolve("kafka");
        Properties properties = properties(settings, logDir);
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(properties, logDir);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            // without this, the broker's threads keep the JVM alive after a failed start
            server.shutdown();
            server.awaitShutdown();
            throw e;
        }
        return new EmbeddedKafkaBroker(server, settings.host() + ":" + settings.port());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static Properties properties(BrokerSettings settings, Path logDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + settings.host() + ":" + settings.controllerPort());
        p.put("listeners", "PLAINTEXT://" + settings.host() + ":" + settings.port() + "," + CONTROLLER_LISTENER + "://"
                + settings.host() + ":" + settings.controllerPort());
        p.put("advertised.listeners", "PLAINTEXT://" + settings.host() + ":" + settings.port());
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("num.partitions", Integer.toString(settings.defaultPartitions()));
        p.put("auto.create.topics.enable", "false");
        // one broker: without these, transactions and consumer groups never initialise (DESIGN §8)
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        return p;
    }

    /** Formats the log directory with Kafka's own storage tool (only when it was never formatted). */
    private static void format(Properties properties, Path logDir) {
        try {
            Files.createDirectories(logDir);
            Path config = Files.createTempFile("rewind-broker", ".properties");
            try {
                try (var out = Files.newOutputStream(config)) {
                    properties.store(out, "rewind embedded broker");
                }
                ByteArrayOutputStream output = new ByteArrayOutputStream();
                int status = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
                        config.toString()}, new PrintStream(output, true, StandardCharsets.UTF_8));
                if (status != 0) {
                    throw new IllegalStateException("formatting " + logDir + " failed: " + output.toString(StandardCharsets.UTF_8));
                }
            } finally {
                Files.deleteIfExists(config);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + logDir, e);
        }
    }
}
