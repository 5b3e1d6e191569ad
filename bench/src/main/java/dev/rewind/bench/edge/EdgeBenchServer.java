package dev.rewind.bench.edge;

import dev.rewind.edge.EdgeServer;
import dev.rewind.kafkatest.EmbeddedTestBroker;
import java.util.concurrent.CountDownLatch;

/**
 * The server side of the connection benchmark, in its own process (its open-file limit holds only
 * the server's sockets): an embedded broker and one edge. Prints
 * {@code READY port=… bootstrap=… pid=…} and runs until killed.
 *
 * <pre>
 * (ulimit -n 20000; java -Xmx2g -XX:+UseZGC -cp bench/target/rewind-bench.jar dev.rewind.bench.edge.EdgeBenchServer [port])
 * </pre>
 */
public final class EdgeBenchServer {

    private EdgeBenchServer() {}

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        EmbeddedTestBroker broker = BenchEdge.broker();
        // long heartbeats and idle bounds: the benchmark holds idle streams on purpose
        EdgeServer edge = BenchEdge.start(broker.bootstrapServers(), port, "sse: {heartbeat_ms: 15000, max_idle_ms: 86400000}");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            edge.close();
            try {
                broker.close();
            } catch (Exception e) {
                System.err.println("stopping the broker: " + e);
            }
            stopped.countDown();
        }));
        System.out.println("READY port=" + edge.port() + " bootstrap=" + broker.bootstrapServers() + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        stopped.await();
    }
}
