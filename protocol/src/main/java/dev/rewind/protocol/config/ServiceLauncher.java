package dev.rewind.protocol.config;

import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code main} of every Rewind service: load the typed config and start (a bad key, or a port
 * that is taken, ends the process with exit code 2 and a message naming the key), then close
 * cleanly on SIGTERM or Ctrl-C.
 */
public final class ServiceLauncher {

    private ServiceLauncher() {}

    public static <C> void run(String name, Supplier<C> loadConfig, Function<C, ? extends AutoCloseable> start)
            throws InterruptedException {
        AutoCloseable service;
        try {
            service = start.apply(loadConfig.get());
        } catch (ConfigException e) {
            System.err.println("rewind " + name + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("rewind " + name + ": stopping failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, name + "-shutdown"));
        stopped.await();
    }
}
