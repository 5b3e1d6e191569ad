package dev.rewind.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This JVM's CPU time, heap and GC, and the machine's load average: printed with every figure, as
 * the build machine is shared and a figure taken under load says so.
 */
record JvmUsage(long cpuNanos, long wallNanos, long gcMillis, long gcCount) {

    static JvmUsage now() {
        long gcMillis = 0;
        long gcCount = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcMillis += Math.max(0, gc.getCollectionTime());
            gcCount += Math.max(0, gc.getCollectionCount());
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new JvmUsage(os.getProcessCpuTime(), System.nanoTime(), gcMillis, gcCount);
    }

    /** Cores used since {@code earlier}. */
    double coresSince(JvmUsage earlier) {
        return (cpuNanos - earlier.cpuNanos) / (double) Math.max(1, wallNanos - earlier.wallNanos);
    }

    static long heapUsedMb() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    }

    /** Heap in use right after the last collection of each pool: the live set, what must stay flat in a soak. */
    static long heapAfterGcMb() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage after = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            bytes += after == null ? 0 : after.getUsed();
        }
        return bytes >> 20;
    }

    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static double oneMinuteLoad() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
