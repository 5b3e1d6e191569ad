package dev.rewind.ingest;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.sim.LlmSimulator;
import java.util.List;
import java.util.Map;

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
        broker.ensureRewindTopics();
        LlmSimulator sim = TestSetup.fastSimulator();
        IngestService ingest = IngestService.start(TestSetup.ingestConfig(yaml.formatted(broker.bootstrapServers(), sim.baseUrl())),
                Map.of());
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
