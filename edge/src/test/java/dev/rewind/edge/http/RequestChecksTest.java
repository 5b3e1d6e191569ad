package dev.rewind.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which query strings pass before routing: visible ASCII with well-formed percent escapes, RFC 3986's ':' included. */
class RequestChecksTest {

    @Test
    void acceptsWellFormedQueriesAndRefusesBadEscapesAndControlCharacters() {
        assertThat(RequestChecks.validQuery(null)).isTrue();
        assertThat(RequestChecks.validQuery("")).isTrue();
        assertThat(RequestChecks.validQuery("since=2026-12-01T00:00:00Z&status=failed,completed")).isTrue();
        assertThat(RequestChecks.validQuery("since=2026-12-01T00%3A00%3a00Z")).isTrue();
        assertThat(RequestChecks.validQuery("limit=%")).isFalse();
        assertThat(RequestChecks.validQuery("limit=%2")).isFalse();
        assertThat(RequestChecks.validQuery("since=%ZZ")).isFalse();
        assertThat(RequestChecks.validQuery("a=b c")).isFalse();
        assertThat(RequestChecks.validQuery("a=\u00e9")).isFalse();
        assertThat(RequestChecks.validQuery("a=\t")).isFalse();
    }
}
