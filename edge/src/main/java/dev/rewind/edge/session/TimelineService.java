package dev.rewind.edge.session;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Caller;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code GET /v1/sessions/{id}/timeline}: the summary with its attempts, and every event of the
 * session in {@code rewind.tokens} with its id, record timestamp and milliseconds since created_at,
 * for a timeline chart (first token, gaps, resets, retries) and a replay at the original speed.
 * Read through the bounded session reader (at most {@code audit.max_concurrent_reads} at once) and
 * bounded in events and bytes ({@code timeline.max_events}, {@code timeline.max_bytes}).
 */
public final class TimelineService implements HttpService {

    private final EdgeConfig.Timeline limits;
    private final SessionAuth auth;
    private final SessionDirectory directory;
    private final SessionRecords records;

    TimelineService(EdgeConfig.Timeline limits, SessionAuth auth, SessionDirectory directory, SessionRecords records) {
        this.limits = limits;
        this.auth = auth;
        this.directory = directory;
        this.records = records;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/timeline", this::timeline);
    }

    private void timeline(ServerRequest req, ServerResponse res) throws IOException {
        String id = SessionDirectory.validId(req.path().pathParameters().get("id"));
        Caller caller = auth.caller(req, id);
        SessionDirectory.Known known = directory.readableBy(id, caller);
        ObjectNode summary = SessionViews.summary(known, caller instanceof Caller.Owner);
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(body)) {
            json.setCodec(Json.MAPPER);
            json.writeStartObject();
            for (Iterator<Map.Entry<String, JsonNode>> fields = summary.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                json.writeFieldName(field.getKey());
                json.writeTree(field.getValue());
            }
            json.writeArrayFieldStart("events");
            Events events = new Events(json, body, known.createdAt(), limits);
            records.storedTokens(id, known.createdAt(), events::accept);
            json.writeEndArray();
            json.writeNumberField("event_count", events.count);
            json.writeBooleanField("truncated", events.truncated);
            json.writeEndObject();
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body.toByteArray());
    }

    /** Writes the events in seq order as they are read, until the terminal event or a limit. */
    private static final class Events {
        private final JsonGenerator json;
        private final ByteArrayOutputStream body;
        private final long createdAtMs;
        private final EdgeConfig.Timeline limits;
        private long lastSeq;
        private int count;
        private boolean truncated;

        Events(JsonGenerator json, ByteArrayOutputStream body, Instant createdAt, EdgeConfig.Timeline limits) {
            this.json = json;
            this.body = body;
            this.createdAtMs = createdAt.toEpochMilli();
            this.limits = limits;
        }

        boolean accept(SessionRecords.Stored<TokenEvent> stored) throws IOException {
            TokenEvent event = stored.value();
            if (event.seq() <= lastSeq) {
                return true; // a duplicate of what was already written
            }
            json.flush();
            if (count >= limits.maxEvents() || body.size() >= limits.maxBytes()) {
                truncated = true;
                return false;
            }
            lastSeq = event.seq();
            count++;
            json.writeTree(entry(stored));
            return !event.isTerminal();
        }

        /** id, type, seq, ts, t_ms, then the event's own fields without the session id (compact; a tool call's id as call_id). */
        private ObjectNode entry(SessionRecords.Stored<TokenEvent> stored) {
            TokenEvent event = stored.value();
            ObjectNode entry = Json.MAPPER.createObjectNode();
            entry.put("id", new EventId(stored.partition(), stored.offset(), event.seq()).toString());
            entry.put("type", event.eventName());
            entry.put("seq", event.seq());
            entry.put("ts", Instant.ofEpochMilli(stored.timestamp()).toString());
            entry.put("t_ms", stored.timestamp() - createdAtMs);
            ObjectNode fields = Json.MAPPER.valueToTree(event);
            fields.remove("type");
            fields.remove("session_id");
            fields.remove("seq");
            if (event instanceof TokenEvent.ToolCall call) {
                // "id" is the event's id here, so the call's own id is "call_id"
                JsonNode callId = fields.remove("id");
                if (callId != null) {
                    fields.set("call_id", callId);
                }
                if (!call.isFinal()) {
                    fields.remove("arguments"); // a parsed-so-far snapshot; the deltas and the final event say it all
                }
            }
            entry.setAll(fields);
            return entry;
        }
    }
}
