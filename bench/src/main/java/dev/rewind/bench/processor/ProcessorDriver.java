package dev.rewind.bench.processor;

import dev.rewind.processor.ProcessorConfig;
import dev.rewind.processor.ProcessorTopology;
import dev.rewind.processor.session.ProcessorMetrics;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The processor's whole topology on Kafka Streams' test driver (no broker), with its defaults, for the benchmarks. */
record ProcessorDriver(Path stateDir, TopologyTestDriver driver, TestInputTopic<String, ChunkRecord> chunks,
        TestOutputTopic<String, byte[]> tokens) implements AutoCloseable {

    static ProcessorDriver open(String name) throws IOException {
        Path stateDir = Files.createTempDirectory(name);
        ProcessorConfig config = ConfigLoader.load(ProcessorConfig.class,
                ConfigLoader.parseYaml("{state_dir: \"" + stateDir + "\", ops: {enabled: false}}"), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml");
        TopologyTestDriver driver = new TopologyTestDriver(
                ProcessorTopology.buildTopology(config, new ProcessorMetrics(new SimpleMeterRegistry())),
                ProcessorTopology.streamsConfig(config));
        return new ProcessorDriver(stateDir, driver, driver.createInputTopic(Topics.CHUNKS, new StringSerializer(), Serdes.CHUNK),
                driver.createOutputTopic(Topics.TOKENS, new StringDeserializer(), (topic, bytes) -> bytes));
    }

    @Override
    public void close() throws IOException {
        driver.close();
        try (var paths = Files.walk(stateDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
