package dev.rewind.processor.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PartialJsonTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // open strings, arrays and objects are closed
        "{\"path\": \"/tmp/fo        | {\"path\":\"/tmp/fo\"}",
        "{\"a\": [\"x\", \"y         | {\"a\":[\"x\",\"y\"]}",
        "{\"a\": {\"b\": {\"c\": true  | {\"a\":{\"b\":{\"c\":true}}}",
        "[[1, 2], [3,                | [[1,2],[3]]",
        "\"just a stri               | \"just a stri\"",
        // a key without a value, and a trailing comma, are dropped
        "{\"a\": 1, \"b              | {\"a\":1}",
        "{\"a\": 1, \"b\"            | {\"a\":1}",
        "{\"a\": 1, \"b\":           | {\"a\":1}",
        "{\"a\": 1,                  | {\"a\":1}",
        "[1, 2,                      | [1,2]",
        // a number only once a delimiter confirms it; a literal only when complete
        "{\"n\": 12                  | {}",
        "{\"n\": 12,                 | {\"n\":12}",
        "{\"n\": -1.5e3}             | {\"n\":-1500.0}",
        "[1, 22                      | [1]",
        "{\"ok\": tru                | {}",
        "{\"ok\": true               | {\"ok\":true}",
        "{\"ok\": false, \"x\": nul  | {\"ok\":false}",
        "{\"x\": null                | {\"x\":null}",
        // an incomplete escape is dropped; complete ones are decoded
        "{\"s\": \"a\\               | {\"s\":\"a\"}",
        "{\"s\": \"a\\u00            | {\"s\":\"a\"}",
        "{\"s\": \"a\\u00e9\\n\\\"q  | {\"s\":\"aé\\n\\\"q\"}",
        "{\"s\": \"\\ud83d           | {\"s\":\"\"}",
        "{\"s\": \"\\ud83d\\ude42    | {\"s\":\"🙂\"}",
        // complete input is itself
        "{\"a\": [1, {\"b\": null}], \"c\": \"d\"} | {\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
        // what follows a syntax error does not count
        "{\"a\": 1, \"b\": x, \"c\": 2} | {\"a\":1}",
        "{\"a\": 1 \"b\": 2}         | {\"a\":1}",
        "{\"a\": \"x\\q\"}           | {\"a\":\"x\"}",
    })
    void repairsAPrefixToTheValueItStandsForSoFar(String prefix, String expected) throws Exception {
        assertThat(PartialJson.repair(prefix)).isEqualTo(Json.MAPPER.readTree(expected));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {"``", "`   `", "12", "-", "tr", "nul", "`\"`", "x", "}"})
    void showsNothingWhenNothingIsConfirmedYet(String prefix) {
        JsonNode repaired = PartialJson.repair(prefix);
        assertThat(repaired == null || repaired.isTextual() && repaired.textValue().isEmpty())
                .as("repair of <%s> is %s", prefix, repaired).isTrue();
    }

    @Test
    void everyPrefixOfAnArgumentStringRepairsWithoutFailingAndNeverShowsAnUnconfirmedNumber() throws Exception {
        String arguments = "{\"path\": \"/tmp/a b\\u00e9\", \"lines\": [10, 200], \"opts\": {\"deep\": true, \"n\": null}, \"x\": -3.25}";
        JsonNode complete = Json.MAPPER.readTree(arguments);
        for (int end = 0; end <= arguments.length(); end++) {
            JsonNode snapshot = PartialJson.repair(arguments.substring(0, end));
            if (snapshot != null && snapshot.has("lines") && snapshot.get("lines").size() > 1) {
                assertThat(snapshot.get("lines").get(1).asInt()).as("prefix of %d chars", end).isEqualTo(200);
            }
            if (snapshot != null && snapshot.has("x")) {
                assertThat(snapshot.get("x").asDouble()).isEqualTo(-3.25);
            }
        }
        assertThat(PartialJson.repair(arguments)).isEqualTo(complete);
    }

    @Test
    void whitespaceConfirmsANumber() {
        assertThat(PartialJson.repair("{\"n\": 12 \t")).isEqualTo(Json.MAPPER.createObjectNode().put("n", 12));
        assertThat(PartialJson.repair("[7\n")).isEqualTo(Json.MAPPER.createArrayNode().add(7));
    }

    @Test
    void parseCompleteAcceptsExactlyOneValue() {
        assertThat(PartialJson.parseComplete("{\"a\":1}")).isEqualTo(Json.MAPPER.createObjectNode().put("a", 1));
        assertThat(PartialJson.parseComplete(" {\"a\":1}\n")).isNotNull();
        assertThat(PartialJson.parseComplete("{\"a\":1}}")).isNull();
        assertThat(PartialJson.parseComplete("{\"a\":1} {\"b\":2}")).isNull();
        assertThat(PartialJson.parseComplete("{\"a\":")).isNull();
        assertThat(PartialJson.parseComplete("")).isNull();
    }
}
