package dev.rewind.analytics.session;

import dev.rewind.analytics.errors.UnreadableStateException;
import dev.rewind.analytics.stats.SeriesKey;
import dev.rewind.protocol.JsonSerde;
import dev.rewind.protocol.TokenEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each session's token events (keyed by session id) into facts keyed by series
 * ({@code upstream|model}): one at its start, one at its end. Between the two the session's
 * {@link SessionProgress} is kept in a store keyed by session id, because only {@code start} names
 * the upstream and model. Facts carry the events' record timestamps: nothing here reads a clock.
 */
public final class SessionTracker implements Processor<String, TokenEvent, String, SessionFact> {

    public static final String STORE = "session-progress";
    private static final Logger LOG = LoggerFactory.getLogger(SessionTracker.class);
    private static final Duration EXPIRY_EVERY = Duration.ofMinutes(1);

    private final long stateTtlMs;
    private ProcessorContext<String, SessionFact> context;
    private KeyValueStore<String, SessionProgress> store;

    public SessionTracker(long stateTtlMs) {
        this.stateTtlMs = stateTtlMs;
    }

    public static StoreBuilder<KeyValueStore<String, SessionProgress>> storeBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                new JsonSerde<>(SessionProgress.class));
    }

    @Override
    public void init(ProcessorContext<String, SessionFact> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        // stream time, not wall-clock time: a replay forgets exactly the same sessions at the same point
        context.schedule(EXPIRY_EVERY, PunctuationType.STREAM_TIME, this::forgetAbandoned);
    }

    @Override
    public void process(Record<String, TokenEvent> record) {
        TokenEvent event = record.value();
        if (event == null || record.key() == null) {
            return;
        }
        SessionProgress progress = stored(record.key());
        if (event instanceof TokenEvent.Start start) {
            if (progress == null) {
                SessionProgress started = SessionProgress.started(start, record.timestamp());
                store.put(record.key(), started);
                forward(record, started.startFact());
            }
            return;
        }
        if (progress == null) {
            // its start is not in the topic any more (retention), or the session ended before: nothing to attribute
            LOG.debug("skipping {} of a session without a start", event.eventName());
            return;
        }
        if (progress.hasSeen(event)) {
            return;
        }
        if (event.isTerminal()) {
            store.delete(record.key());
            forward(record, progress.finish(event, record.timestamp()));
        } else {
            store.put(record.key(), progress.after(event, record.timestamp()));
        }
    }

    /** The session's progress; one that cannot be read is forgotten, so only this record is dead-lettered. */
    private SessionProgress stored(String sessionId) {
        try {
            return store.get(sessionId);
        } catch (SerializationException e) {
            store.put(sessionId, null); // delete() would read the old value back, and fail again
            throw new UnreadableStateException("the stored progress of session " + sessionId + " cannot be read; forgotten", e);
        }
    }

    private void forward(Record<String, TokenEvent> record, SessionFact fact) {
        context.forward(new Record<>(SeriesKey.of(fact.upstream(), fact.model()), fact, fact.at()));
    }

    private void forgetAbandoned(long streamTime) {
        List<String> abandoned = new ArrayList<>();
        try (KeyValueIterator<String, SessionProgress> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, SessionProgress> entry = all.next();
                if (entry.value.lastEventAt() < streamTime - stateTtlMs) {
                    abandoned.add(entry.key);
                }
            }
        }
        abandoned.forEach(store::delete);
        if (!abandoned.isEmpty()) {
            LOG.info("forgot {} sessions without a terminal event for {} ms of stream time", abandoned.size(), stateTtlMs);
        }
    }
}
