package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.ObjIntConsumer;

/**
 * A tool call's argument text so far, in segments of {@value #SEGMENT_CHARS} characters and an
 * unfinished tail. Appending costs the fragment (the tail is bounded), never the text so far. The
 * processor moves full segments out of the session state into a store of their own as they fill
 * ({@link #moveSealed}), so the state written after each record stays small however long the
 * arguments grow; read back, the state finds them there again ({@link #attach}). Without a store
 * (tests, benchmarks) the segments simply stay here.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ArgumentText {

    static final int SEGMENT_CHARS = 4096;

    /** Segments 0 … storedSegments-1 live in the segment store. */
    private int storedSegments;
    /** Full segments that follow them, not moved out yet. */
    private List<String> sealed = new ArrayList<>();
    private String tail = "";
    private long chars;
    @JsonIgnore
    private IntFunction<String> stored;

    void append(String fragment) {
        chars += fragment.length();
        String joined = tail.concat(fragment);
        int start = 0;
        while (joined.length() - start >= SEGMENT_CHARS) {
            int end = start + SEGMENT_CHARS;
            // never end a segment inside a surrogate pair: a segment is stored as UTF-8 on its own
            if (Character.isHighSurrogate(joined.charAt(end - 1))) {
                end--;
            }
            sealed.add(joined.substring(start, end));
            start = end;
        }
        tail = joined.substring(start);
    }

    /** The whole text: costs its length (the segment store is read), so callers ask rarely. */
    String text() {
        if (storedSegments == 0 && sealed.isEmpty()) {
            return tail;
        }
        StringBuilder text = new StringBuilder((int) Math.min(Integer.MAX_VALUE, chars));
        for (int i = 0; i < storedSegments; i++) {
            String segment = stored == null ? null : stored.apply(i);
            if (segment == null) {
                throw new IllegalStateException("segment " + i + " of a tool call's arguments is missing from its store");
            }
            text.append(segment);
        }
        sealed.forEach(text::append);
        return text.append(tail).toString();
    }

    long length() {
        return chars;
    }

    /** Hands the full segments not moved yet to {@code store} (with their numbers) and forgets their text. */
    public void moveSealed(ObjIntConsumer<String> store) {
        for (String segment : sealed) {
            store.accept(segment, storedSegments++);
        }
        sealed = new ArrayList<>();
    }

    /** Where segments moved out earlier are read back: their number → text. */
    public void attach(IntFunction<String> store) {
        this.stored = store;
    }
}
