package dev.rewind.kafkatest;

import java.util.Locale;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Starts one real Kafka broker for the whole test run (kept in the root store, closed when the run
 * ends) and hands it to tests as a {@link KafkaBroker}. Testcontainers where Docker answers,
 * otherwise Kafka's in-JVM KRaft test kit; {@code -Drewind.kafka.broker=embedded|testcontainers}
 * forces one.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, ParameterResolver {

    public static final String CHOICE_PROPERTY = "rewind.kafka.broker";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker(context);
    }

    private static KafkaBroker broker(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(RunningBroker.class, key -> new RunningBroker(startBroker()), RunningBroker.class)
                .broker();
    }

    /** Closes the broker when the root context closes, at the end of the run. */
    private record RunningBroker(KafkaBroker broker) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            ((AutoCloseable) broker).close();
        }
    }

    private static KafkaBroker startBroker() {
        String choice = System.getProperty(CHOICE_PROPERTY, "auto").toLowerCase(Locale.ROOT);
        long started = System.nanoTime();
        try {
            KafkaBroker broker = switch (choice) {
                case "embedded" -> EmbeddedTestBroker.start();
                case "testcontainers" -> {
                    if (!DockerClientFactory.instance().isDockerAvailable()) {
                        throw new ParameterResolutionException(CHOICE_PROPERTY
                                + "=testcontainers, but no Docker engine answers; use embedded or auto");
                    }
                    yield ContainerTestBroker.start();
                }
                case "auto" -> DockerClientFactory.instance().isDockerAvailable()
                        ? ContainerTestBroker.start()
                        : EmbeddedTestBroker.start();
                default -> throw new ParameterResolutionException(
                        CHOICE_PROPERTY + " must be auto, embedded or testcontainers, was " + choice);
            };
            LOG.info("Kafka broker for tests ({}) at {} in {} ms", broker.kind(), broker.bootstrapServers(),
                    (System.nanoTime() - started) / 1_000_000);
            return broker;
        } catch (ParameterResolutionException e) {
            throw e;
        } catch (Exception e) {
            throw new ParameterResolutionException("cannot start a Kafka broker for tests: " + e.getMessage(), e);
        }
    }
}
