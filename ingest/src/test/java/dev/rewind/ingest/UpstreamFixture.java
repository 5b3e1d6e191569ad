package dev.rewind.ingest;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.sim.LlmSimulator;

/** What a test of ingest workers it starts itself needs: Rewind's topics, a fast simulator, a request writer and a chunk reader. */
record UpstreamFixture(LlmSimulator sim, RequestWriter requests, ChunkTopicReader chunks) implements AutoCloseable {

    static UpstreamFixture start(KafkaBroker broker) {
        broker.ensureRewindTopics();
        return new UpstreamFixture(TestSetup.fastSimulator(), new RequestWriter(broker.bootstrapServers()),
                new ChunkTopicReader(broker.bootstrapServers()));
    }

    @Override
    public void close() {
        chunks.close();
        requests.close();
        sim.close();
    }
}
