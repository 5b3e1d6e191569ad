package dev.rewind.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Renders an overlay with {@code kubectl kustomize} (Debian's kubectl; bin/test installs it), the same command an
 * operator's {@code kubectl apply -k} runs, and parses every resource it prints.
 */
final class Kustomize {

    static final Path DEPLOY_DIR = Path.of(System.getProperty("rewind.deploy.dir", "."));
    static final Path K8S_DIR = DEPLOY_DIR.resolve("k8s");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final long TIMEOUT_S = 60;

    private Kustomize() {}

    /** The overlays under deploy/k8s/overlays, each of which must render. */
    static List<String> overlays() throws IOException {
        try (var dirs = Files.list(K8S_DIR.resolve("overlays"))) {
            return dirs.filter(Files::isDirectory).map(dir -> dir.getFileName().toString()).sorted().toList();
        }
    }

    static RenderedManifests render(String overlay) throws IOException, InterruptedException {
        Path dir = K8S_DIR.resolve("overlays").resolve(overlay);
        Path output = Files.createTempFile("kustomize-" + overlay, ".yaml");
        Path errors = Files.createTempFile("kustomize-" + overlay, ".err");
        try {
            Process process;
            try {
                process = new ProcessBuilder(kubectl(), "kustomize", dir.toString())
                        .redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("kubectl is needed to render deploy/k8s (bin/test installs Debian's"
                        + " kubectl package; or point KUBECTL at one): " + e.getMessage(), e);
            }
            if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl kustomize " + dir + " did not finish in " + TIMEOUT_S + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + dir + " failed: "
                        + Files.readString(errors, StandardCharsets.UTF_8));
            }
            return new RenderedManifests(overlay, parse(Files.readString(output, StandardCharsets.UTF_8)));
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }

    /** Every non-empty document of a multi-document YAML stream. */
    static List<JsonNode> parse(String yaml) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && document.isObject() && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }

    private static String kubectl() {
        String configured = System.getenv("KUBECTL");
        return configured == null || configured.isBlank() ? "kubectl" : configured;
    }
}
