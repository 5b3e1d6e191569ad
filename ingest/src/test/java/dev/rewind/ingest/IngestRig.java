package dev.rewind.ingest;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.sim.LlmSimulator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.Producer;

/** A fast simulator, one ingest worker on a given config, and the topic helpers its tests use; closed in reverse. */
final class IngestRig implements AutoCloseable {

    final LlmSimulator sim;
    final IngestService ingest;
    final RequestWriter requests;
    final ChunkTopicReader chunks;

    private IngestRig(LlmSimulator sim, IngestService ingest, RequestWriter requests, ChunkTopicReader chunks) {
        this.sim = sim;
        this.ingest = ingest;
        this.requests = requests;
        this.chunks = chunks;
    }

    /** {@code yaml} names the broker as {@code %1$s} and the simulator's base URL as {@code %2$s}. */
    static IngestRig start(KafkaBroker broker, String yaml) {
        return start(broker, yaml, UnaryOperator.identity(), new SimpleMeterRegistry());
    }

    /** As {@link #start(KafkaBroker, String)}, with the chunk producer wrapped by {@code instrument} and ingest's meters in {@code meters}. */
    static IngestRig start(KafkaBroker broker, String yaml, UnaryOperator<Producer<String, ChunkRecord>> instrument,
            MeterRegistry meters) {
        broker.ensureRewindTopics();
        LlmSimulator sim = TestSetup.fastSimulator();
        IngestService ingest = IngestService.start(TestSetup.ingestConfig(yaml.formatted(broker.bootstrapServers(), sim.baseUrl())),
                Map.of(), instrument, meters);
        return new IngestRig(sim, ingest, new RequestWriter(broker.bootstrapServers()), new ChunkTopicReader(broker.bootstrapServers()));
    }

    static ChunkRecord.SessionEnded ended(List<ChunkRecord> records) {
        return (ChunkRecord.SessionEnded) records.getLast();
    }

    @Override
    public void close() {
        chunks.close();
        requests.close();
        ingest.close();
        sim.close();
    }
}
