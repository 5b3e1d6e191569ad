package dev.rewind.protocol.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Loads one component's typed config record: built-in defaults (a YAML resource), then the
 * operator's YAML file, then environment variables, validated as a whole. Any key the record does
 * not know, and any value it cannot take, stops startup with a {@link ConfigException} naming the key.
 *
 * <p>Environment overrides: every key path has a variable named {@code PREFIX_} plus the path in
 * upper case with dots and dashes as underscores, e.g. {@code http.port} → {@code REWIND_HTTP_PORT}.
 * The value is read as YAML, so numbers, booleans, lists ({@code [a, b]}) and whole sections
 * ({@code {name: x}}) can be given.
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    public static final String ENV_PREFIX = "REWIND";

    private ConfigLoader() {}

    /** Built-in defaults of the {@code kafka} and {@code topics} sections that every Kafka-facing component has. */
    public static final String KAFKA_DEFAULTS = "rewind/kafka-defaults.yaml";

    /** The variable that names a component's config file when {@code --config} is not given. */
    public static final String CONFIG_FILE_VARIABLE = "REWIND_CONFIG";

    /**
     * Loads {@code type} from its defaults (resources merged in order), an optional file, and the
     * process environment.
     */
    public static <T> T load(Class<T> type, Path file, String... defaultsResources) {
        return load(type, file, System.getenv(), defaultsResources);
    }

    public static <T> T load(Class<T> type, Path file, Map<String, String> env, String... defaultsResources) {
        return load(type, file == null ? null : readFile(file), env, defaultsResources);
    }

    /**
     * Loads {@code type} from its defaults with {@code overlay} (a parsed file, or a section of an
     * embedding component's config) merged over them, then {@code env}.
     */
    public static <T> T load(Class<T> type, JsonNode overlay, Map<String, String> env, String... defaultsResources) {
        ObjectNode tree = YAML.createObjectNode();
        for (String resource : defaultsResources) {
            merge(tree, readResource(type, resource));
        }
        if (overlay != null) {
            merge(tree, overlay);
        }
        applyEnvironment(tree, "", env);
        return bind(tree, type);
    }

    /** The config file a {@code main} was given: {@code --config PATH}, else {@code $REWIND_CONFIG}, else none. */
    public static Path configFile(String[] args, Map<String, String> env) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                if (i + 1 >= args.length) {
                    throw new ConfigException("--config", "needs a file path");
                }
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        String fromEnv = env.get(CONFIG_FILE_VARIABLE);
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    /** Binds an already assembled tree; used by components that embed others' configs. */
    public static <T> T bind(JsonNode tree, Class<T> type) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            String key = pathOf(e);
            List<String> known = e.getKnownPropertyIds() == null
                    ? List.of()
                    : e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList();
            throw new ConfigException(key, "unknown key (known here: " + String.join(", ", known) + ")", e);
        } catch (ValueInstantiationException e) {
            String parent = pathOf(e);
            if (e.getCause() instanceof ConfigException inner) {
                String key = parent.isEmpty() ? inner.key() : parent + "." + inner.key();
                throw new ConfigException(key, inner.getMessage().substring(inner.getMessage().indexOf("': ") + 3), e);
            }
            throw new ConfigException(parent, "invalid: " + rootMessage(e), e);
        } catch (JsonMappingException e) {
            throw new ConfigException(pathOf(e), "invalid value: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("", "cannot read config: " + e.getOriginalMessage(), e);
        }
    }

    /** Reads a YAML document into a tree (for tests and embedding components). */
    public static ObjectNode parseYaml(String yaml) {
        try {
            JsonNode node = YAML.readTree(yaml);
            return node instanceof ObjectNode o ? o : YAML.createObjectNode();
        } catch (JsonProcessingException e) {
            throw new ConfigException("", "not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode readResource(Class<?> type, String resource) {
        try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("built-in defaults " + resource + " are missing from the classpath");
            }
            JsonNode node = YAML.readTree(in);
            return node instanceof ObjectNode o ? o : YAML.createObjectNode();
        } catch (IOException e) {
            throw new IllegalStateException("built-in defaults " + resource + " are unreadable", e);
        }
    }

    private static JsonNode readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("", "config file " + file + " does not exist");
        }
        try {
            JsonNode node = YAML.readTree(file.toFile());
            if (node == null || node.isMissingNode() || node.isNull()) {
                return YAML.createObjectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException("", "config file " + file + " must be a YAML mapping");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ConfigException("", "config file " + file + " is not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("", "config file " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** Deep merge: mappings merge key by key, anything else replaces. */
    public static void merge(ObjectNode target, JsonNode overlay) {
        Iterator<Map.Entry<String, JsonNode>> fields = overlay.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode existingObject && field.getValue().isObject()) {
                merge(existingObject, field.getValue());
            } else {
                target.set(field.getKey(), field.getValue().deepCopy());
            }
        }
    }

    private static void applyEnvironment(ObjectNode node, String path, Map<String, String> env) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            String childPath = path.isEmpty() ? name : path + "." + name;
            String variable = envName(childPath);
            String value = env.get(variable);
            if (value != null) {
                JsonNode parsed;
                try {
                    parsed = YAML.readTree(value);
                } catch (JsonProcessingException e) {
                    throw new ConfigException(childPath, "environment variable " + variable + " is not valid YAML");
                }
                node.set(name, parsed == null || parsed.isMissingNode() ? YAML.getNodeFactory().textNode(value) : parsed);
            } else if (node.get(name) instanceof ObjectNode child) {
                applyEnvironment(child, childPath, env);
            }
        }
    }

    /** The environment variable that overrides a key path. */
    public static String envName(String keyPath) {
        return ENV_PREFIX + "_" + keyPath.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
