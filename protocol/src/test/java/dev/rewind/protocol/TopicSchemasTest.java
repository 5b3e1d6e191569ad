package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.rewind.protocol.SampleRecords.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas shipped in the jar ({@code schemas/<topic>.schema.json}) describe exactly what
 * {@link Json#MAPPER} writes: everything we write validates, broken documents do not, and every
 * Java record type and field has its place in the schema.
 */
class TopicSchemasTest {

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG =
            SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

    static final List<String> TOPICS = Topics.ALL;

    static final Map<Class<?>, String> SEALED_TOPICS = Map.of(
            RequestRecord.class, Topics.REQUESTS,
            ControlRecord.class, Topics.CONTROL,
            ChunkRecord.class, Topics.CHUNKS,
            TokenEvent.class, Topics.TOKENS,
            AnalyticsRecord.class, Topics.ANALYTICS);

    static Stream<Sample> samples() {
        return SampleRecords.all();
    }

    @ParameterizedTest
    @FieldSource("TOPICS")
    void everyTopicHasADraft202012SchemaInTheJar(String topic) {
        JsonNode document = schemaDocument(topic);
        assertThat(document.get("$schema").asText()).isEqualTo(SchemaId.V202012);
        JsonSchema metaSchema = FACTORY.getSchema(SchemaLocation.of(SchemaId.V202012), CONFIG);
        assertThat(metaSchema.validate(document)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everythingWeWriteValidatesAgainstItsTopicSchema(Sample sample) {
        JsonNode written = Json.fromBytes(sample.write(), JsonNode.class);
        assertThat(schema(sample.topic()).validate(written)).as(written.toString()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void fieldsAddedLaterDoNotBreakValidation(Sample sample) {
        ObjectNode written = (ObjectNode) Json.fromBytes(sample.write(), JsonNode.class);
        written.put("added_in_a_later_version", true);
        assertThat(schema(sample.topic()).validate(written)).isEmpty();
    }

    static Stream<Arguments> brokenDocuments() {
        return Stream.of(
                broken("token", "seq", d -> d.put("seq", 0)),
                broken("token", "text", d -> d.remove("text")),
                broken("token", "type", d -> d.put("type", "teleport")),
                broken("token", "session_id", d -> d.put("session_id", "../../etc/passwd")),
                broken("done with finish reason only", "finish_reason", d -> d.put("finish_reason", "end_turn")),
                broken("tool call final fragment", "arguments", d -> d.remove("arguments")),
                broken("tool call first fragment", "final", d -> d.put("final", "no")),
                broken("status retrying", "delay_ms", d -> d.remove("delay_ms")),
                broken("status retrying", "state", d -> d.put("state", "sleeping")),
                broken("error", "retryable", d -> d.remove("retryable")),
                broken("chunk of SSE bytes", "bytes", d -> d.put("bytes", "not base64!")),
                broken("chunk of SSE bytes", "received_at", d -> d.put("received_at", "yesterday")),
                broken("chunk of SSE bytes", "attempt", d -> d.put("attempt", 0)),
                broken("chunk of SSE bytes", "provider_format", d -> d.put("provider_format", "OPENAI_CHAT")),
                broken("attempt stalled and will retry", "outcome", d -> d.put("outcome", "exploded")),
                broken("session failed", "code", d -> d.remove("code")),
                broken("start with tools and every message kind", "created_at", d -> d.put("created_at", 1764000000)),
                broken("start with tools and every message kind", "messages", d -> d.remove("messages")),
                broken("start without params or idempotency key", "provider_format", d -> d.put("provider_format", "cobol")),
                broken("cancel by key with reason", "at", d -> d.remove("at")),
                broken("completed summary", "status", d -> d.put("status", "running")),
                broken("completed summary", "token_count", d -> d.put("token_count", -1)),
                broken("failed summary", "outcome", d -> ((ObjectNode) d.get("attempts").get(0)).put("outcome", "ok")),
                broken("malformed fragment", "excerpt", d -> d.put("excerpt", "x".repeat(DeadLetter.MAX_EXCERPT + 1))),
                broken("malformed fragment", "offset", d -> d.remove("offset")),
                broken("window with every number", "window_start", d -> d.put("window_start", "10:15")),
                broken("window with every number", "final_after", d -> d.remove("final_after")),
                broken("window with every number", "tokens", d -> ((ObjectNode) d.get("stats")).put("tokens", -1)),
                broken("running total", "p95", d -> ((ObjectNode) d.at("/stats/ttft_ms")).put("p95", "fast")),
                broken("running total", "count", d -> ((ObjectNode) d.at("/stats/top_errors/0")).put("count", 0)),
                broken("running total", "stats", d -> d.remove("stats")));
    }

    @ParameterizedTest(name = "{0} without a valid {1}")
    @MethodSource("brokenDocuments")
    void rejectsADocumentThatBreaksTheContractNamingTheField(String label, String field, Consumer<ObjectNode> breakIt) {
        Sample sample = SampleRecords.find(label);
        ObjectNode document = (ObjectNode) Json.fromBytes(sample.write(), JsonNode.class);
        JsonSchema schema = schema(sample.topic());
        assertThat(schema.validate(document)).as("the unbroken document").isEmpty();
        String branch = branchOf(sample.topic(), document.path("type").asText(null));
        breakIt.accept(document);
        Set<ValidationMessage> messages = schema.validate(document);
        assertThat(messages).as(document.toString()).isNotEmpty();
        assertThat(describe(messages, branch)).as(document.toString()).anySatisfy(
                message -> assertThat(message).contains(field));
    }

    @Test
    void theMetaSchemaCheckRefusesAnInvalidSchema() {
        JsonSchema metaSchema = FACTORY.getSchema(SchemaLocation.of(SchemaId.V202012), CONFIG);
        assertThat(metaSchema.validate(Json.fromString("{\"type\": \"text\", \"required\": \"id\"}", JsonNode.class)))
                .isNotEmpty();
    }

    @ParameterizedTest
    @FieldSource("TOPICS")
    void rejectsDocumentsThatAreNotRecordsAtAll(String topic) {
        for (String text : List.of("{}", "[]", "\"start\"", "null", "{\"type\": 7}")) {
            assertThat(schema(topic).validate(Json.fromString(text, JsonNode.class))).as(text).isNotEmpty();
        }
    }

    @Test
    void everyJavaRecordTypeHasItsTypeInTheSchema() {
        SEALED_TOPICS.forEach((sealed, topic) -> {
            JsonNode document = schemaDocument(topic);
            Set<String> javaNames = Arrays.stream(sealed.getAnnotation(JsonSubTypes.class).value())
                    .map(JsonSubTypes.Type::name).collect(Collectors.toSet());
            Set<String> schemaNames = new HashSet<>();
            document.at("/properties/type/enum").forEach(name -> schemaNames.add(name.asText()));
            assertThat(schemaNames).as(topic).isEqualTo(javaNames);
            List<String> branches = new ArrayList<>();
            document.get("oneOf").forEach(ref -> branches.add(ref.get("$ref").asText()));
            assertThat(branches).as(topic).containsExactlyInAnyOrderElementsOf(
                    javaNames.stream().map(name -> "#/$defs/" + name).toList());
            javaNames.forEach(name -> assertThat(document.at("/$defs/" + name + "/properties/type/const").asText())
                    .as(topic + " " + name).isEqualTo(name));
        });
    }

    static Stream<Arguments> schemaObjects() {
        Stream<Arguments> subtypes = SEALED_TOPICS.entrySet().stream().flatMap(entry -> Arrays.stream(
                        entry.getKey().getAnnotation(JsonSubTypes.class).value())
                .map(type -> arguments(type.value(), entry.getValue(), "/$defs/" + type.name(), true)));
        return Stream.concat(subtypes, Stream.of(
                arguments(RequestRecord.ChatMessage.class, Topics.REQUESTS, "/$defs/chat_message", false),
                arguments(SessionSummary.class, Topics.SESSIONS, "", false),
                arguments(SessionSummary.Attempt.class, Topics.SESSIONS, "/$defs/attempt", false),
                arguments(SessionSummary.ErrorInfo.class, Topics.SESSIONS, "/$defs/error_info", false),
                arguments(dev.rewind.protocol.usage.TokenUsage.class, Topics.SESSIONS, "/$defs/token_usage", false),
                arguments(dev.rewind.protocol.usage.Cost.class, Topics.SESSIONS, "/$defs/cost", false),
                arguments(dev.rewind.protocol.usage.TokenUsage.class, Topics.TOKENS, "/$defs/token_usage", false),
                arguments(dev.rewind.protocol.usage.Cost.class, Topics.TOKENS, "/$defs/cost", false),
                arguments(dev.rewind.protocol.usage.AttemptUsage.class, Topics.TOKENS, "/$defs/attempt_usage", false),
                arguments(DeadLetter.class, Topics.CHUNKS_DLQ, "", false),
                arguments(AnalyticsRecord.SeriesStats.class, Topics.ANALYTICS, "/$defs/series_stats", false),
                arguments(AnalyticsRecord.SessionCounts.class, Topics.ANALYTICS, "/$defs/session_counts", false),
                arguments(AnalyticsRecord.Latency.class, Topics.ANALYTICS, "/$defs/latency", false),
                arguments(AnalyticsRecord.ErrorCount.class, Topics.ANALYTICS, "/$defs/error_count", false),
                arguments(AnalyticsRecord.Billing.class, Topics.ANALYTICS, "/$defs/billing", false),
                arguments(dev.rewind.protocol.usage.Cost.class, Topics.ANALYTICS, "/$defs/cost", false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaObjects")
    void theSchemaDocumentsExactlyTheFieldsJavaWrites(Class<?> type, String topic, String pointer, boolean typed) {
        Set<String> javaFields = Json.MAPPER.getSerializationConfig()
                .introspect(Json.MAPPER.constructType(type)).findProperties().stream()
                .map(BeanPropertyDefinition::getName).collect(Collectors.toCollection(HashSet::new));
        if (typed) {
            javaFields.add("type"); // written by the type discriminator, not a record component
        }
        Set<String> schemaFields = new HashSet<>();
        schemaDocument(topic).at(pointer + "/properties").fieldNames().forEachRemaining(schemaFields::add);
        assertThat(schemaFields).isEqualTo(javaFields);
    }

    @ParameterizedTest
    @FieldSource("TOPICS")
    void everyFieldHasADescription(String topic) {
        List<String> undocumented = new ArrayList<>();
        collectUndocumented(schemaDocument(topic), "", undocumented);
        assertThat(undocumented).isEmpty();
        assertThat(schemaDocument(topic).path("description").asText()).isNotBlank();
    }

    private static void collectUndocumented(JsonNode node, String path, List<String> undocumented) {
        if (node.isObject()) {
            JsonNode properties = node.get("properties");
            boolean isConditionOnly = path.endsWith("/if");
            if (properties != null && properties.isObject() && !isConditionOnly) {
                properties.fields().forEachRemaining(field -> {
                    if (field.getValue().path("description").asText().isBlank()) {
                        undocumented.add(path + "/properties/" + field.getKey());
                    }
                });
            }
            node.fields().forEachRemaining(field -> collectUndocumented(field.getValue(), path + "/" + field.getKey(), undocumented));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectUndocumented(node.get(i), path + "/" + i, undocumented);
            }
        }
    }

    private static Arguments broken(String label, String field, Consumer<ObjectNode> breakIt) {
        return arguments(label, field, breakIt);
    }

    /** The oneOf branch a document of {@code type} is checked by, e.g. {@code /oneOf/3/}; null for untyped topics. */
    private static String branchOf(String topic, String type) {
        JsonNode branches = schemaDocument(topic).get("oneOf");
        for (int i = 0; type != null && branches != null && i < branches.size(); i++) {
            if (branches.get(i).path("$ref").asText().equals("#/$defs/" + type)) {
                return "/oneOf/" + i + "/";
            }
        }
        return null;
    }

    /** The messages about the document's own branch (a oneOf also reports why every other branch failed). */
    private static List<String> describe(Set<ValidationMessage> messages, String branch) {
        return messages.stream()
                .filter(m -> branch == null || !m.getEvaluationPath().toString().startsWith("/oneOf/")
                        || m.getEvaluationPath().toString().startsWith(branch))
                .map(m -> m.getEvaluationPath() + " " + (m.getProperty() == null ? "" : m.getProperty()) + " " + m.getMessage())
                .toList();
    }

    static JsonSchema schema(String topic) {
        return FACTORY.getSchema(SchemaLocation.of("classpath:schemas/" + topic + ".schema.json"), CONFIG);
    }

    private static JsonNode schemaDocument(String topic) {
        try (InputStream in = TopicSchemasTest.class.getClassLoader().getResourceAsStream("schemas/" + topic + ".schema.json")) {
            assertThat(in).as("schemas/" + topic + ".schema.json on the classpath").isNotNull();
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
