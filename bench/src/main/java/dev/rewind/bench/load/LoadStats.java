package dev.rewind.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one run measured, shared by every client thread: latency recorders (microseconds; only
 * after the warm-up), counters, and the first few failures word for word.
 */
final class LoadStats {

    /** One HdrHistogram series: a recorder for the interval lines, and the run's total. */
    static final class Series {
        private final Recorder recorder = new Recorder(3);
        private final Histogram total = new Histogram(3);

        void record(long micros) {
            recorder.recordValue(Math.max(0, micros));
        }

        /** Since the last call; also folded into the total. */
        synchronized Histogram interval() {
            Histogram interval = recorder.getIntervalHistogram();
            total.add(interval);
            return interval;
        }

        synchronized Histogram total() {
            total.add(recorder.getIntervalHistogram());
            return total.copy();
        }
    }

    private static final int KEPT_FAILURES = 10;

    final Series latency = new Series();
    final Series resume = new Series();
    final Series ingestRead = new Series();
    final Series chunkVisible = new Series();
    final Series tokenCommitted = new Series();
    final LongAdder tokens = new LongAdder();
    final LongAdder sessionsExact = new LongAdder();
    final LongAdder sessionsFailed = new LongAdder();
    final LongAdder plannedDisconnects = new LongAdder();
    final LongAdder unplannedDisconnects = new LongAdder();
    /** GET events answered 503/429 (overload): the subscriber backed off and asked again. */
    final LongAdder refusals = new LongAdder();
    final LongAdder upstreamFaults = new LongAdder();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicBoolean measuring = new AtomicBoolean();
    private final List<String> failures = new ArrayList<>();
    private final LongAdder failureCount = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> kinds = new ConcurrentHashMap<>();
    private static final Pattern ERROR_CODE = Pattern.compile("\"code\":\"([^\"]+)\"");

    /** {@code what} is {@code "<mode>: <reason>"}; the reason's leading words (and an error event's code) are its kind. */
    void fail(String what) {
        failureCount.increment();
        kinds.computeIfAbsent(kindOf(what), kind -> new LongAdder()).increment();
        synchronized (failures) {
            if (failures.size() < KEPT_FAILURES) {
                failures.add(what);
            }
        }
    }

    /** Failures counted by kind, e.g. {@code "ended with error upstream_circuit_open"}, {@code "transcript differs"}. */
    Map<String, Long> failureKinds() {
        Map<String, Long> counts = new TreeMap<>();
        kinds.forEach((kind, count) -> counts.put(kind, count.sum()));
        return counts;
    }

    private static String kindOf(String what) {
        String reason = what.substring(what.indexOf(": ") + 2);
        int end = 0;
        while (end < reason.length() && "0123456789{':(".indexOf(reason.charAt(end)) < 0) {
            end++;
        }
        Matcher code = ERROR_CODE.matcher(reason);
        return reason.substring(0, end).strip() + (code.find() ? " " + code.group(1) : "");
    }

    long failureCount() {
        return failureCount.sum();
    }

    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /** Drops what the warm-up recorded, and starts counting. */
    void startMeasuring() {
        for (Series series : List.of(latency, resume, ingestRead, chunkVisible, tokenCommitted)) {
            series.recorder.reset();
        }
        tokens.reset();
        measuring.set(true);
    }
}
