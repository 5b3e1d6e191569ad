package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionIdsTest {

    private static final int DRAWS = 20_000;

    @Test
    void newIdsAreUrlSafe24CharactersAndValid() {
        for (int i = 0; i < 1_000; i++) {
            String id = SessionIds.newId();
            assertThat(id).hasSize(24).startsWith("s_").matches("[A-Za-z0-9_-]+");
            assertThat(URLEncoder.encode(id, StandardCharsets.UTF_8)).isEqualTo(id);
            assertThat(SessionIds.isValid(id)).as(id).isTrue();
        }
    }

    @Test
    void newIdsAreUniqueOverManyDraws() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < DRAWS; i++) {
            seen.add(SessionIds.newId());
        }
        assertThat(seen).hasSize(DRAWS);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
        "", "s_", "s_short", "s_Xk3pQ9vL2mN8rT5wY7zA1", "s_Xk3pQ9vL2mN8rT5wY7zA1bc", "x_Xk3pQ9vL2mN8rT5wY7zA1b",
        "S_Xk3pQ9vL2mN8rT5wY7zA1b", "s_Xk3pQ9vL2mN8rT5wY7z+1b", "s_Xk3pQ9vL2mN8rT5wY7z/1b", "s_Xk3pQ9vL2mN8rT5wY7zA1=",
        "s_Xk3pQ9vL2mN8rT5wY7zA1b\n", "../../etc/passwd"})
    void refusesAnythingElse(String candidate) {
        assertThat(SessionIds.isValid(candidate)).isFalse();
    }
}
