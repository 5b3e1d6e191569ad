package dev.rewind.bench.load;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The load generator's options ({@code --name=value}); an unknown name or a bad value stops it with
 * a message naming the option.
 */
record LoadOptions(
        String mode,
        int sessions,
        int tokensPerSecond,
        int tokens,
        int subscribers,
        int disconnects,
        double faultRate,
        Duration duration,
        Duration warmup,
        Duration ramp,
        Duration report,
        int partitions,
        long commitIntervalMs,
        double hopSample,
        long seed) {

    private static final Set<String> MODES = Set.of("rewind", "direct", "both");

    static LoadOptions parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("options are --name=value, was " + arg);
            }
            given.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Map<String, String> o = new LinkedHashMap<>(given);
        LoadOptions options = new LoadOptions(
                take(o, "mode", "both"),
                (int) positive(o, "sessions", "50"),
                (int) positive(o, "tps", "20"),
                (int) positive(o, "tokens", "100"),
                (int) positive(o, "subscribers", "1"),
                (int) number(o, "disconnects", "2"),
                fraction(o, "faults", "0.1"),
                duration(o, "duration", "60s"),
                duration(o, "warmup", "10s"),
                duration(o, "ramp", "10s"),
                duration(o, "report", "10s"),
                (int) positive(o, "partitions", "6"),
                positive(o, "commit-interval-ms", "20"),
                fraction(o, "hop-sample", "0.1"),
                number(o, "seed", "1"));
        if (!o.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + o.keySet());
        }
        if (!MODES.contains(options.mode)) {
            throw new IllegalArgumentException("--mode must be one of " + MODES + ", was " + options.mode);
        }
        if (options.disconnects >= options.tokens) {
            throw new IllegalArgumentException("--disconnects must be fewer than --tokens");
        }
        return options;
    }

    private static String take(Map<String, String> o, String name, String fallback) {
        String value = o.remove(name);
        return value == null ? fallback : value;
    }

    private static long number(Map<String, String> o, String name, String fallback) {
        String value = take(o, name, fallback);
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a non-negative whole number, was " + value);
        }
    }

    private static long positive(Map<String, String> o, String name, String fallback) {
        long n = number(o, name, fallback);
        if (n == 0) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
        return n;
    }

    private static double fraction(Map<String, String> o, String name, String fallback) {
        String value = take(o, name, fallback);
        try {
            double f = Double.parseDouble(value);
            if (f < 0 || f > 1) {
                throw new NumberFormatException();
            }
            return f;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a fraction in 0..1, was " + value);
        }
    }

    /** {@code 90s}, {@code 30m}, {@code 1h}, or plain seconds. */
    private static Duration duration(Map<String, String> o, String name, String fallback) {
        String value = take(o, name, fallback);
        try {
            char unit = value.charAt(value.length() - 1);
            String digits = Character.isDigit(unit) ? value : value.substring(0, value.length() - 1);
            long n = Long.parseLong(digits);
            return switch (unit) {
                case 'h' -> Duration.ofHours(n);
                case 'm' -> Duration.ofMinutes(n);
                case 's' -> Duration.ofSeconds(n);
                default -> {
                    if (!Character.isDigit(unit)) {
                        throw new NumberFormatException();
                    }
                    yield Duration.ofSeconds(n);
                }
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--" + name + " needs a duration like 90s, 30m or 1h, was " + value);
        }
    }
}
