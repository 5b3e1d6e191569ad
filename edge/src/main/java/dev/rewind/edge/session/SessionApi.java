package dev.rewind.edge.session;

import dev.rewind.protocol.ops.CloseSteps;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.ops.ReaderFaults;
import io.micrometer.core.instrument.MeterRegistry;
import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.store.SessionStore;
import dev.rewind.edge.store.SessionStoreFeed;
import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.telemetry.Telemetry;
import io.helidon.webserver.http.HttpService;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The session API's parts, wired once: the on-disk store and its feed from {@code rewind.sessions},
 * the producers of {@code rewind.requests} and {@code rewind.control}, and the HTTP services of
 * {@code /v1/sessions}. Closing stops the feed, the producers and the store.
 */
public final class SessionApi implements AutoCloseable {

    private final SessionStore store;
    private final SessionStoreFeed feed;
    private final KafkaProducer<String, RequestRecord> requests;
    private final KafkaProducer<String, ControlRecord> control;
    private final HttpService[] services;
    private final ConversationsService conversations;
    private final SessionRecordReader reader;
    private final SessionCreation creation;

    private SessionApi(SessionStore store, SessionStoreFeed feed, KafkaProducer<String, RequestRecord> requests,
            KafkaProducer<String, ControlRecord> control, HttpService[] services, ConversationsService conversations,
            SessionRecordReader reader, SessionCreation creation) {
        this.conversations = conversations;
        this.reader = reader;
        this.creation = creation;
        this.store = store;
        this.feed = feed;
        this.requests = requests;
        this.control = control;
        this.services = services;
    }

    public static SessionApi start(EdgeConfig config, ApiKeys apiKeys, ReadTokens readTokens, int partitions,
            Consumer<String> expectEvents, Clock clock, MeterRegistry meters, Telemetry telemetry) {
        SessionStore store = SessionStore.open(Path.of(config.store().dir()), config.store().blockCacheBytes());
        SessionStoreFeed feed = null;
        KafkaProducer<String, RequestRecord> requests = null;
        KafkaProducer<String, ControlRecord> control = null;
        try {
            Map<String, Object> feedConfig = new HashMap<>(config.kafka().clientConfig(Map.of()));
            feedConfig.putAll(SessionStoreFeed.consumerDefaults());
            feed = SessionStoreFeed.start(feedConfig, store, ReaderFaults.of(config, meters));
            requests = new KafkaProducer<>(config.kafka().clientConfig(SessionsService.producerDefaults()),
                    new StringSerializer(), Serdes.REQUEST);
            Map<String, Object> controlDefaults = new HashMap<>(SessionsService.producerDefaults());
            controlDefaults.put("client.id", "rewind-edge-control");
            control = new KafkaProducer<>(config.kafka().clientConfig(controlDefaults), new StringSerializer(), Serdes.CONTROL);
            SessionAuth auth = new SessionAuth(apiKeys, readTokens);
            RecentSessions recent = new RecentSessions(config.sessions().recentMax());
            SessionDirectory directory = new SessionDirectory(store, recent);
            SessionRecordReader reader = new SessionRecordReader(config, partitions, meters);
            // counts only (replays are not dead-lettered): it never opens its dead-letter producer, so nothing to close
            SessionRecords records = new SessionRecords(reader, ReaderFaults.of(config, meters));
            SessionCreation creation = new SessionCreation(config, readTokens, requests,
                    new IdempotentReplays(recent, store, records), expectEvents, clock, store, telemetry);
            HttpService[] services = {
                new SessionsService(config, auth, creation, store),
                new SessionService(config, auth, readTokens, directory, records, control, clock),
                new AuditService(config, auth, directory, records),
                new TimelineService(config.timeline(), auth, directory, records)
            };
            ConversationsService conversations = new ConversationsService(config.conversations(), auth, store, records);
            return new SessionApi(store, feed, requests, control, services, conversations, reader, creation);
        } catch (RuntimeException e) {
            KafkaProducer<?, ?> openedRequests = requests;
            KafkaProducer<?, ?> openedControl = control;
            CloseSteps.afterFailure(e, CloseSteps.closing(feed),
                    openedRequests == null ? null : () -> openedRequests.close(Duration.ZERO),
                    openedControl == null ? null : () -> openedControl.close(Duration.ZERO), store::close);
            throw e;
        }
    }

    /** The services to register under {@code /v1/sessions}. */
    public HttpService[] services() {
        return services.clone();
    }

    /** The service to register under {@code /v1/conversations}. */
    public HttpService conversations() {
        return conversations;
    }

    /**
     * The latest turn of {@code owner}'s conversation, as the store says: what any instance, after
     * any restart, resumes (the summary's status says whether it is still active).
     */
    public Optional<SessionSummary> latestTurn(String owner, String conversationId) {
        return store.conversation(owner, conversationId).map(SessionStore.Conversation::latest);
    }

    /** Session creation, shared by the endpoints of other dialects (OpenAI-compatible, AI SDK). */
    public SessionCreation creation() {
        return creation;
    }

    /** The latest summary of a session, when the store has one. */
    public Optional<SessionSummary> summary(String sessionId) {
        return store.get(sessionId);
    }

    /** True once the store holds every summary that was in {@code rewind.sessions} at startup (for readiness). */
    public boolean storeCaughtUp() {
        return feed.caughtUp();
    }

    public boolean awaitStoreCaughtUp(Duration timeout) throws InterruptedException {
        return feed.awaitCaughtUp(timeout);
    }

    @Override
    public void close() {
        CloseSteps.run(reader::close, feed::close, () -> requests.close(Duration.ofSeconds(5)),
                () -> control.close(Duration.ofSeconds(5)), store::close);
    }

}
