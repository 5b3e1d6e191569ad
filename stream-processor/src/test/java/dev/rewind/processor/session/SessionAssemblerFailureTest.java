package dev.rewind.processor.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes.LongSerde;
import org.apache.kafka.common.serialization.Serdes.StringSerde;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A record whose handling throws outside the session's own recovery (the ended-sessions store failing)
 * forwards none of what it began and is dead-lettered, and the processor does not throw.
 */
class SessionAssemblerFailureTest {

    private static final String S = "s_AAAAAAAAAAAAAAAAAAAAAA";
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MockProcessorContext<String, Object> context = new MockProcessorContext<>();
    private final SessionAssembler assembler = new SessionAssembler(65536, new ProcessorMetrics(registry));
    private KeyValueStore<String, byte[]> states;
    private final Set<String> failingEndedStoreCalls = new java.util.HashSet<>();

    @BeforeEach
    void start() {
        states = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SessionAssembler.STORE),
                new StringSerde(), org.apache.kafka.common.serialization.Serdes.ByteArray()).withLoggingDisabled().build();
        KeyValueStore<String, String> arguments = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SessionAssembler.ARGUMENTS_STORE),
                new StringSerde(), new StringSerde()).withLoggingDisabled().build();
        WindowStore<String, Long> ended = Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(SessionAssembler.ENDED_STORE, Duration.ofDays(1), Duration.ofMillis(1), false),
                new StringSerde(), new LongSerde()).withLoggingDisabled().build();
        states.init(context.getStateStoreContext(), states);
        arguments.init(context.getStateStoreContext(), arguments);
        ended.init(context.getStateStoreContext(), ended);
        context.addStateStore(states);
        context.addStateStore(arguments);
        context.addStateStore(failingOn(ended));
        context.setRecordMetadata(Topics.CHUNKS, 0, 41);
        assembler.init(context);
    }

    @Test
    void aRecordWhoseEndOfAnUnreadableSessionThrowsForwardsNoneOfItsEventsAndIsDeadLettered() {
        states.put(S, "{\"next_seq\":7,\"attempt\":\"one\"}".getBytes(StandardCharsets.UTF_8));
        failingEndedStoreCalls.add("put");

        assertThatCode(() -> assembler.process(chunk())).doesNotThrowAnyException();

        assertThat(context.forwarded()).singleElement().satisfies(forwarded -> {
            assertThat(forwarded.childName()).hasValue(SessionAssembler.DLQ_SINK);
            assertThat(forwarded.record().value()).isInstanceOfSatisfying(DeadLetter.class, letter -> {
                assertThat(letter.reason()).isEqualTo("processing-error");
                assertThat(letter.excerpt()).startsWith(IllegalStateException.class.getName());
                assertThat(letter.offset()).isEqualTo(41);
            });
        });
        assertThat(registry.get("rewind.processor.processing.errors").counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRecordForWhichTheEndedSessionsCannotBeReadIsDeadLetteredAndTheNextRecordIsProcessed() {
        failingEndedStoreCalls.add("fetch");

        assertThatCode(() -> assembler.process(chunk())).doesNotThrowAnyException();
        assertThat(deadLetterReasons()).containsExactly("processing-error");

        failingEndedStoreCalls.clear();
        context.resetForwards();
        assembler.process(chunk());
        assertThat(deadLetterReasons()).doesNotContain("processing-error");
    }

    private List<String> deadLetterReasons() {
        return context.forwarded().stream().map(f -> f.record().value())
                .filter(DeadLetter.class::isInstance).map(v -> ((DeadLetter) v).reason()).toList();
    }

    private Record<String, byte[]> chunk() {
        ChunkRecord.Chunk chunk = new ChunkRecord.Chunk(S, 1, 1, ProviderFormat.OPENAI_CHAT,
                "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n".getBytes(StandardCharsets.UTF_8), T0);
        return new Record<>(S, Serdes.CHUNK.serializer().serialize(Topics.CHUNKS, chunk), T0.toEpochMilli());
    }

    /** The ended-sessions store, failing the calls named in {@link #failingEndedStoreCalls} as a damaged store would. */
    @SuppressWarnings("unchecked")
    private WindowStore<String, Long> failingOn(WindowStore<String, Long> store) {
        return (WindowStore<String, Long>) Proxy.newProxyInstance(WindowStore.class.getClassLoader(), new Class<?>[] {WindowStore.class},
                (proxy, method, args) -> {
                    if (failingEndedStoreCalls.contains(method.getName())) {
                        throw new IllegalStateException("the ended-sessions store failed on " + method.getName());
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
