package dev.rewind.analytics.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The example of docs/consuming-topics.md is this module's source, verbatim, and it counts what it should. */
@WithKafka
class ConsumerGuideTest {

    private static final Path EXAMPLE = Path.of("src/test/java/dev/rewind/analytics/guide/TokensPerModelExample.java");
    private static final Path GUIDE = Path.of("../docs/consuming-topics.md");

    @Test
    void theGuideShowsTheExampleSourceVerbatim() throws Exception {
        String source = Files.readString(EXAMPLE);
        String guide = Files.readString(GUIDE);
        assertThat(guide).contains("```java\n" + source + "```\n");
    }

    @Test
    void theGuideDocumentsEveryTopicAndItsSchema() throws Exception {
        String guide = Files.readString(GUIDE);
        for (String topic : dev.rewind.protocol.Topics.ALL) {
            assertThat(guide).contains("| `" + topic + "` |").contains("`" + topic + ".schema.json`");
        }
    }

    @Test
    void theExamplePrintsTokensPerModelSkippingDuplicatesAndResetAttempts(KafkaBroker broker) throws Exception {
        String topic = broker.createTopic("guide-tokens", 3);
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            String a = "s_guideAAAAAAAAAAAAAAAA";
            String b = "s_guideBBBBBBBBBBBBBBBB";
            String c = "s_guideCCCCCCCCCCCCCCCC";
            for (String[] event : new String[][] {
                    {a, "{\"type\":\"start\",\"session_id\":\"" + a + "\",\"seq\":1,\"upstream\":\"sim\",\"model\":\"sim-small\"}"},
                    {a, "{\"type\":\"token\",\"session_id\":\"" + a + "\",\"seq\":2,\"text\":\"Hel\"}"},
                    {a, "{\"type\":\"token\",\"session_id\":\"" + a + "\",\"seq\":3,\"text\":\"lo\"}"},
                    {a, "{\"type\":\"token\",\"session_id\":\"" + a + "\",\"seq\":3,\"text\":\"lo\"}"},
                    {a, "{\"type\":\"done\",\"session_id\":\"" + a + "\",\"seq\":4,\"finish_reason\":\"stop\"}"},
                    {b, "{\"type\":\"start\",\"session_id\":\"" + b + "\",\"seq\":1,\"upstream\":\"sim\",\"model\":\"sim-small\"}"},
                    {b, "{\"type\":\"token\",\"session_id\":\"" + b + "\",\"seq\":2,\"text\":\"lost\"}"},
                    {b, "{\"type\":\"reset\",\"session_id\":\"" + b + "\",\"seq\":3,\"attempt\":2}"},
                    {b, "{\"type\":\"token\",\"session_id\":\"" + b + "\",\"seq\":4,\"text\":\"kept\"}"},
                    {b, "{\"type\":\"done\",\"session_id\":\"" + b + "\",\"seq\":5,\"finish_reason\":\"stop\"}"},
                    {c, "{\"type\":\"start\",\"session_id\":\"" + c + "\",\"seq\":1,\"upstream\":\"sim-anthropic\",\"model\":\"claude-sim\"}"},
                    {c, "{\"type\":\"token\",\"session_id\":\"" + c + "\",\"seq\":2,\"text\":\"Hi\"}"},
                    {c, "{\"type\":\"teleport\",\"session_id\":\"" + c + "\",\"seq\":3}"},
                    {c, "{\"type\":\"cancelled\",\"session_id\":\"" + c + "\",\"seq\":4,\"by\":\"team-a\"}"}}) {
                producer.send(new ProducerRecord<>(topic, event[0], event[1]));
            }
            producer.flush();
        }

        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            TokensPerModelExample.main(new String[] {broker.bootstrapServers(), topic});
        } finally {
            System.setOut(original);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo("claude-sim 1\nsim-small 3\n");
    }
}
