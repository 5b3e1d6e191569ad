package dev.rewind.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void parsesDurationsAndKeepsDefaults() {
        LoadOptions options = LoadOptions.parse(new String[] {"--mode=rewind", "--duration=30m", "--report=60s", "--sessions=1000"});
        assertThat(options.duration()).isEqualTo(Duration.ofMinutes(30));
        assertThat(options.report()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.sessions()).isEqualTo(1000);
        assertThat(options.tokensPerSecond()).isEqualTo(20);
        assertThat(options.disconnects()).isEqualTo(2);
    }

    @Test
    void refusesUnknownOrBadOptionsNamingThem() {
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--sesions=5"})).hasMessageContaining("sesions");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--duration=soon"})).hasMessageContaining("--duration");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--mode=fast"})).hasMessageContaining("--mode");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--faults=2"})).hasMessageContaining("--faults");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--tokens=2", "--disconnects=2"})).hasMessageContaining("--disconnects");
    }
}
