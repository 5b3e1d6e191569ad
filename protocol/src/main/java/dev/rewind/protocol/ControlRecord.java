package dev.rewind.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.Objects;

/** A value of {@code rewind.control}, keyed by session id; every ingest worker reads all of it. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = ControlRecord.Cancel.class, name = "cancel")})
public sealed interface ControlRecord permits ControlRecord.Cancel {

    String sessionId();

    /** Stop generating. {@code by} names who asked: an API key id or {@code "read-token"}. */
    record Cancel(String sessionId, String by, String reason, Instant at) implements ControlRecord {
        public Cancel {
            Objects.requireNonNull(sessionId, "session_id");
            Objects.requireNonNull(at, "at");
        }
    }
}
