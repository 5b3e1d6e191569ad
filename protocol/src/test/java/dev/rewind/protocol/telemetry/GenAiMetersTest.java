package dev.rewind.protocol.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.ProviderFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GenAiMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final GenAiMeters meters = new GenAiMeters(registry);

    @Test
    void countsTokensByTypeAndModelAndLumpsModelsBeyondTheBoundIntoOther() {
        for (int i = 0; i < GenAiMeters.MAX_MODELS + 20; i++) {
            meters.tokens(ProviderFormat.ANTHROPIC, "claude", "model-" + i, 3, 5);
        }
        meters.tokens(ProviderFormat.ANTHROPIC, "claude", "model-0", -1, 7);

        assertThat(registry.find(GenAiMeters.TOKEN_USAGE).tag("gen_ai.request.model", "model-0")
                .tag("gen_ai.token.type", "output").summary().totalAmount()).isEqualTo(12);
        assertThat(registry.find(GenAiMeters.TOKEN_USAGE).tag("gen_ai.request.model", "model-0")
                .tag("gen_ai.token.type", "input").summary().count()).isEqualTo(1);
        assertThat(registry.find(GenAiMeters.TOKEN_USAGE).tag("gen_ai.request.model", GenAiMeters.OTHER_MODEL)
                .tag("gen_ai.token.type", "input").summary().count()).isEqualTo(20);
        assertThat(registry.find(GenAiMeters.TOKEN_USAGE).tag("gen_ai.provider.name", "anthropic").summaries())
                .hasSize(2 * (GenAiMeters.MAX_MODELS + 1));
    }

    @Test
    void aFailedCallIsTaggedWithItsErrorType() {
        meters.operation(ProviderFormat.OPENAI_CHAT, "sim", "m", "upstream_unavailable", Duration.ofMillis(30));
        meters.operation(ProviderFormat.OPENAI_CHAT, "sim", "m", null, Duration.ofMillis(900));

        assertThat(registry.find(GenAiMeters.OPERATION_DURATION).tag("error.type", "upstream_unavailable").timer().count())
                .isEqualTo(1);
        assertThat(registry.find(GenAiMeters.OPERATION_DURATION).tag("error.type", "none").timer().count()).isEqualTo(1);
    }
}
