package dev.rewind.protocol;

/** The serde of every topic value. */
public final class Serdes {

    public static final JsonSerde<RequestRecord> REQUEST = new JsonSerde<>(RequestRecord.class);
    public static final JsonSerde<ControlRecord> CONTROL = new JsonSerde<>(ControlRecord.class);
    /** Chunks raw with their metadata in headers, markers as JSON: {@link ChunkSerde}. */
    public static final ChunkSerde CHUNK = new ChunkSerde();
    public static final JsonSerde<TokenEvent> TOKEN = new JsonSerde<>(TokenEvent.class);
    public static final JsonSerde<SessionSummary> SESSION = new JsonSerde<>(SessionSummary.class);
    public static final JsonSerde<DeadLetter> DEAD_LETTER = new JsonSerde<>(DeadLetter.class);
    public static final JsonSerde<AnalyticsRecord> ANALYTICS = new JsonSerde<>(AnalyticsRecord.class);

    private Serdes() {}
}
