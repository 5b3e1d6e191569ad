package dev.rewind.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Rewind service in its own JVM — its production {@code main}, its config in a YAML file, the
 * test's classpath — that the chaos schedule kills with SIGKILL and starts again with the same
 * config (same state and store directories, so a restart is a real restart, not a new instance),
 * or freezes with SIGSTOP and wakes with SIGCONT.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Pattern EDGE_LISTENING = Pattern.compile("Rewind edge listening on http://[^:]+:(\\d+)");

    private final String name;
    private final Class<?> mainClass;
    private final Path config;
    private final Path log;
    private volatile Process process;
    private volatile long logOffset;

    ServiceProcess(String name, Class<?> mainClass, Path config, Path logDir) {
        this.name = name;
        this.mainClass = mainClass;
        this.config = config;
        this.log = logDir.resolve(name + ".log");
    }

    String name() {
        return name;
    }

    synchronized void start() {
        try {
            logOffset = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder builder = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx320m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), mainClass.getName(), "--config", config.toString()));
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + name, e);
        }
    }

    /** SIGKILL: no shutdown hook runs, open transactions and group memberships are left behind. */
    synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " survived SIGKILL for 30 s");
        }
    }

    /**
     * SIGSTOP: the JVM stands still, as in a long GC pause or a throttled container, until
     * {@link #thaw} wakes it; its group memberships and transactions expire meanwhile.
     */
    synchronized Process freeze() throws IOException, InterruptedException {
        Process frozen = process;
        signal(frozen, "STOP");
        return frozen;
    }

    /** SIGCONT to a process {@link #freeze} stopped (a no-op if it was killed meanwhile). */
    static void thaw(Process frozen) throws IOException, InterruptedException {
        if (frozen.isAlive()) {
            signal(frozen, "CONT");
        }
    }

    private static void signal(Process target, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(target.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS)) {
            kill.destroyForcibly();
            throw new IllegalStateException("kill -" + signal + " " + target.pid() + " did not return");
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** The edge's HTTP port as its main printed it since the last start, or -1 before it did. */
    int printedPort() {
        try {
            if (!Files.exists(log)) {
                return -1;
            }
            byte[] bytes = Files.readAllBytes(log);
            String since = new String(bytes, (int) Math.min(logOffset, bytes.length),
                    (int) Math.max(0, bytes.length - logOffset), StandardCharsets.UTF_8);
            Matcher matcher = EDGE_LISTENING.matcher(since);
            return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }
}
