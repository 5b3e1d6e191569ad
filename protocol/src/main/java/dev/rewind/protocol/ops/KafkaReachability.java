package dev.rewind.protocol.ops;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether the cluster answers, for readiness probes: one {@code describeCluster} with a short
 * timeout, its answer kept for a few seconds so that frequent probes cost the broker nothing. A
 * service's clients retry on their own and never say "unreachable"; this asks directly.
 */
public final class KafkaReachability implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final long KEPT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Admin admin;
    private boolean reachable;
    private long checkedAt;
    private boolean checked;

    public KafkaReachability(Map<String, Object> clientConfig) {
        this.admin = Admin.create(clientConfig);
    }

    public synchronized boolean reachable() {
        long now = System.nanoTime();
        if (!checked || now - checkedAt > KEPT_NANOS) {
            reachable = ask();
            checkedAt = System.nanoTime();
            checked = true;
        }
        return reachable;
    }

    private boolean ask() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis())).clusterId()
                    .get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
