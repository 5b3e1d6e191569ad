package dev.rewind.analytics;

import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.usage.Cost;
import dev.rewind.protocol.usage.TokenUsage;
import java.util.ArrayList;
import java.util.List;

/** Writes the events of one session the way the stream-processor would, at chosen timestamps. */
final class ScriptedSession {

    private final String id;
    private final List<TimedEvent> events = new ArrayList<>();
    private long now;
    private int attempt = 1;

    private ScriptedSession(String id, String upstream, String model, long startAt) {
        this.id = id;
        this.now = startAt;
        add(new TokenEvent.Start(id, 1, upstream, model));
    }

    static ScriptedSession start(String id, String upstream, String model, long startAt) {
        return new ScriptedSession(id, upstream, model, startAt);
    }

    /** {@code count} tokens, the first {@code firstAfterMs} after the previous event, then one every {@code everyMs}. */
    ScriptedSession tokens(int count, long firstAfterMs, long everyMs) {
        for (int i = 0; i < count; i++) {
            now += i == 0 ? firstAfterMs : everyMs;
            add(new TokenEvent.Token(id, nextSeq(), " w" + i));
        }
        return this;
    }

    ScriptedSession reasoning(long afterMs) {
        now += afterMs;
        add(new TokenEvent.Reasoning(id, nextSeq(), "thinking"));
        return this;
    }

    ScriptedSession retrying(long afterMs, long delayMs) {
        now += afterMs;
        add(new TokenEvent.Status(id, nextSeq(), "retrying", attempt + 1, delayMs, "upstream 503"));
        now += delayMs;
        attempt++;
        add(new TokenEvent.Status(id, nextSeq(), "connected", attempt, null, null));
        return this;
    }

    ScriptedSession reset(long afterMs) {
        now += afterMs;
        attempt++;
        add(new TokenEvent.Reset(id, nextSeq(), attempt, "upstream_disconnected"));
        add(new TokenEvent.Status(id, nextSeq(), "connected", attempt, null, null));
        return this;
    }

    ScriptedSession warning(long afterMs) {
        now += afterMs;
        add(new TokenEvent.Warning(id, nextSeq(), "malformed-fragment", "skipped"));
        return this;
    }

    List<TimedEvent> done(long afterMs) {
        now += afterMs;
        add(new TokenEvent.Done(id, nextSeq(), "stop", "stop", null));
        return events;
    }

    /** Done with the processor's usage and cost over every attempt (cost null: the model has no price). */
    List<TimedEvent> done(long afterMs, TokenUsage usage, Cost cost) {
        now += afterMs;
        add(new TokenEvent.Done(id, nextSeq(), "stop", "stop", null, null, usage, cost));
        return events;
    }

    List<TimedEvent> error(long afterMs, String code) {
        now += afterMs;
        add(new TokenEvent.Error(id, nextSeq(), code, "upstream said no", false));
        return events;
    }

    List<TimedEvent> cancelled(long afterMs) {
        now += afterMs;
        add(new TokenEvent.Cancelled(id, nextSeq(), "team-a", "user pressed stop"));
        return events;
    }

    /** The events so far, for a session left unfinished. */
    List<TimedEvent> unfinished() {
        return events;
    }

    private long nextSeq() {
        return events.size() + 1;
    }

    private void add(TokenEvent event) {
        events.add(new TimedEvent(event, now));
    }
}
