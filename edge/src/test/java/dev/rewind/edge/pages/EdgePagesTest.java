package dev.rewind.edge.pages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.SessionIds;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The edge serves its pages at clean URLs from the classpath folder web/: the file when the build has it, else a 404 problem. */
@WithKafka
class EdgePagesTest {

    @Test
    void eachCleanUrlAnswersItsWebFileOrA404Problem(KafkaBroker broker) throws Exception {
        TokenTopicWriter.ensureTopics(broker, 3);
        try (EdgeServer edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), 3), Clock.systemUTC())) {
            expect(edge, "/sessions", PagesService.LIST);
            expect(edge, "/sessions/" + SessionIds.newId(), PagesService.VIEWER);
            expect(edge, "/dashboard", PagesService.DASHBOARD);
            PagesServiceTest.problem404(PagesServiceTest.get(edge.port(), "/sessions/not-a-session-id"));
        }
    }

    private static void expect(EdgeServer edge, String path, String file) throws Exception {
        HttpResponse<String> response = PagesServiceTest.get(edge.port(), path);
        try (InputStream in = EdgePagesTest.class.getClassLoader().getResourceAsStream("web/" + file)) {
            if (in == null) {
                PagesServiceTest.problem404(response);
            } else {
                assertThat(response.statusCode()).as(path).isEqualTo(200);
                assertThat(response.headers().firstValue("content-type")).hasValue("text/html; charset=UTF-8");
                assertThat(response.body()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }
}
