package dev.rewind.ingest.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ApiKeyTest {

    @Test
    void neverShowsItselfAndIsCutOutOfAnErrorBodyThatEchoesIt() {
        ApiKey key = new ApiKey("sk-test-123");
        assertThat(key.toString()).doesNotContain("sk-test-123");
        byte[] body = "{\"error\":\"Incorrect API key provided: sk-test-123 (sk-test-123)\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(new String(key.redactedFrom(body), StandardCharsets.UTF_8))
                .isEqualTo("{\"error\":\"Incorrect API key provided: [redacted] ([redacted])\"}");
        byte[] clean = "{\"error\":\"sk-test-12\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(key.redactedFrom(clean)).isEqualTo(clean);
    }
}
