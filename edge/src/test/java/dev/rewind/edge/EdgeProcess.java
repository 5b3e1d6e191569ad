package dev.rewind.edge;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An edge in its own JVM: its production {@link EdgeMain} with a config file and this test's
 * classpath, killed with SIGKILL and started again on the same config (same store directory), so
 * a restart is a real one. Its output goes to a log file beside the config.
 */
public final class EdgeProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Rewind edge listening on http://[^:]+:(\\d+)");

    private final Path config;
    private final Path log;
    private Process process;
    private int port = -1;

    /** Writes the test settings for {@code bootstrapServers} with its own store under {@code dir}. */
    public EdgeProcess(Path dir, String bootstrapServers, int partitions) throws IOException {
        Files.createDirectories(dir);
        this.config = dir.resolve("edge.yaml");
        this.log = dir.resolve("edge.log");
        Files.writeString(config, EdgeTestConfig.yaml(bootstrapServers, partitions, dir.resolve("store").toAbsolutePath().toString()));
    }

    /** Starts the JVM and waits (at most 90 s) until it printed its port. */
    public void start() throws IOException {
        long offset = Files.exists(log) ? Files.size(log) : 0;
        process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), EdgeMain.class.getName(), "--config", config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the edge process exited: " + Files.readString(log));
            }
            String printed = Files.readString(log);
            Matcher matcher = LISTENING.matcher(printed.substring((int) Math.min(offset, printed.length())));
            port = matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
            return port > 0;
        });
    }

    public int port() {
        return port;
    }

    /** SIGKILL: no shutdown hook, no drain; open streams are cut mid-answer. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the edge process survived SIGKILL for 30 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    /** For a failure message: what the process printed. */
    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
