package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Plans deterministic tool calls against the tools a request offers, in any provider's shape:
 * OpenAI Chat and Ollama {@code {type, function{name, parameters}}}, Responses {@code {type, name,
 * parameters}}, Anthropic {@code {name, input_schema}}, Gemini {@code {functionDeclarations: [...]}}.
 * Arguments are sampled from each tool's JSON schema (Gemini's upper-case types included).
 */
final class ToolCallPlanner {

    /** Schemas nest at most this deep before a value is left empty, so a recursive schema stays bounded. */
    private static final int MAX_DEPTH = 4;
    private static final String[] STRINGS = {"Zürich", "café", "kafka", "日本", "offset 42", "résumé 🙂", "stream"};

    private record OfferedTool(String name, JsonNode schema) {}

    private ToolCallPlanner() {}

    /** {@code count} calls, cycling over the offered tools in order; none when no tool is offered. */
    static List<SimulatedToolCall> plan(JsonNode request, int count, long seed) {
        List<OfferedTool> offered = offered(request.path("tools"));
        List<SimulatedToolCall> calls = new ArrayList<>();
        if (offered.isEmpty()) {
            return calls;
        }
        SplittableRandom random = new SplittableRandom(seed ^ 0x7f4a7c15L);
        for (int i = 0; i < count; i++) {
            OfferedTool tool = offered.get(i % offered.size());
            JsonNode sampled = sample(tool.schema(), random, 0);
            JsonNode arguments = sampled.isObject() ? sampled : Json.MAPPER.createObjectNode();
            String id = "call_" + Long.toUnsignedString(seed, 36) + "x" + i;
            calls.add(new SimulatedToolCall(id, tool.name(), arguments, fragments(Json.toString(arguments), random)));
        }
        return calls;
    }

    private static List<OfferedTool> offered(JsonNode tools) {
        List<OfferedTool> offered = new ArrayList<>();
        for (JsonNode tool : tools) {
            JsonNode declarations = tool.has("functionDeclarations") ? tool.get("functionDeclarations") : tool.path("function_declarations");
            if (declarations.isArray()) {
                declarations.forEach(declaration -> add(offered, declaration));
            } else {
                add(offered, tool.has("function") ? tool.get("function") : tool);
            }
        }
        return offered;
    }

    private static void add(List<OfferedTool> offered, JsonNode function) {
        if (!function.path("name").isTextual()) {
            return;
        }
        JsonNode schema = function.has("input_schema") ? function.get("input_schema")
                : function.has("parametersJsonSchema") ? function.get("parametersJsonSchema") : function.path("parameters");
        offered.add(new OfferedTool(function.get("name").asText(), schema));
    }

    private static JsonNode sample(JsonNode schema, SplittableRandom random, int depth) {
        if (schema.path("enum").isArray() && !schema.path("enum").isEmpty()) {
            return schema.get("enum").get(random.nextInt(schema.get("enum").size()));
        }
        if (schema.has("const")) {
            return schema.get("const");
        }
        String type = type(schema);
        return switch (type) {
            case "object" -> {
                ObjectNode object = Json.MAPPER.createObjectNode();
                if (depth < MAX_DEPTH) {
                    schema.path("properties").fields().forEachRemaining(
                            property -> object.set(property.getKey(), sample(property.getValue(), random, depth + 1)));
                }
                yield object;
            }
            case "array" -> {
                ArrayNode array = Json.MAPPER.createArrayNode();
                for (int i = 0, n = depth < MAX_DEPTH ? 1 + random.nextInt(2) : 0; i < n; i++) {
                    array.add(sample(schema.path("items"), random, depth + 1));
                }
                yield array;
            }
            case "integer" -> Json.MAPPER.getNodeFactory().numberNode(random.nextInt(100));
            case "number" -> Json.MAPPER.getNodeFactory().numberNode(random.nextInt(1000) / 10.0);
            case "boolean" -> Json.MAPPER.getNodeFactory().booleanNode(random.nextBoolean());
            case "null" -> Json.MAPPER.getNodeFactory().nullNode();
            default -> Json.MAPPER.getNodeFactory().textNode(STRINGS[random.nextInt(STRINGS.length)]);
        };
    }

    /** The schema's type, lower-cased; a list of types gives its first non-null one; properties imply an object. */
    private static String type(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (!t.asText().equalsIgnoreCase("null")) {
                    return t.asText().toLowerCase(Locale.ROOT);
                }
            }
        }
        if (type.isTextual()) {
            return type.asText().toLowerCase(Locale.ROOT);
        }
        return schema.has("properties") ? "object" : "string";
    }

    /** Pieces of 1–6 code points, as a model streams arguments token by token; never inside a surrogate pair. */
    private static List<String> fragments(String json, SplittableRandom random) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < json.length()) {
            int end = start;
            for (int n = 1 + random.nextInt(6); n > 0 && end < json.length(); n--) {
                end = json.offsetByCodePoints(end, 1);
            }
            pieces.add(json.substring(start, end));
            start = end;
        }
        return pieces;
    }
}
