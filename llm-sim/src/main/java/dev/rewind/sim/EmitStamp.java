package dev.rewind.sim;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code stamp=micros} directive: every text token ends in {@code " t"} and 16 digits, the
 * epoch microseconds at which the simulator wrote it, so a benchmark measures emit-to-client latency
 * from data that travels the whole pipeline. The plan holds a fixed-width placeholder, filled in at
 * write time, so a frame's length and JSON shape do not change.
 */
public final class EmitStamp {

    /** What the plan's text tokens end in; the simulator replaces the sixteen {@code #} with digits. */
    public static final String PLACEHOLDER = " t################";
    private static final byte[] HOLES = "################".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern STAMP = Pattern.compile(" t(\\d{16}|#{16})");

    private EmitStamp() {}

    /** {@code text} without its stamps (or placeholders): what the answer says. */
    public static String strip(String text) {
        return STAMP.matcher(text).replaceAll("");
    }

    /** The emit time (epoch microseconds) a token's text carries, if any. */
    public static OptionalLong micros(CharSequence text) {
        Matcher m = STAMP.matcher(text);
        long last = -1;
        while (m.find()) {
            String digits = m.group(1);
            if (digits.charAt(0) != '#') {
                last = Long.parseLong(digits);
            }
        }
        return last < 0 ? OptionalLong.empty() : OptionalLong.of(last);
    }

    /** Epoch microseconds now, on the same clock the simulator stamps with. */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** {@code frame} with its placeholder filled with {@code micros} (a copy; the planned frame stays reusable). */
    static byte[] fill(byte[] frame, long micros) {
        int at = indexOf(frame);
        if (at < 0) {
            return frame;
        }
        byte[] stamped = frame.clone();
        String digits = String.format("%016d", micros);
        for (int i = 0; i < HOLES.length; i++) {
            stamped[at + i] = (byte) digits.charAt(i);
        }
        return stamped;
    }

    private static int indexOf(byte[] frame) {
        outer:
        for (int i = 0; i <= frame.length - HOLES.length; i++) {
            for (int j = 0; j < HOLES.length; j++) {
                if (frame[i + j] != HOLES[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
