package dev.rewind.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resources one overlay renders to, with the lookups the checks need. An overlay brings all its Secrets (dev
 * generates them) or none (prod: the operator creates them, from the templates in deploy/k8s/secrets-example, which
 * then stand in for them here); a Secret missing from an overlay that brings others is an error.
 */
record RenderedManifests(String overlay, List<JsonNode> resources) {

    static final Path SECRET_EXAMPLES = Kustomize.K8S_DIR.resolve("secrets-example");

    List<JsonNode> ofKind(String kind) {
        return resources.stream().filter(r -> kind.equals(r.path("kind").asText())).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(r -> name.equals(r.path("metadata").path("name").asText())).findFirst();
    }

    /** Deployments and StatefulSets: the workloads whose containers run Rewind's services. */
    List<JsonNode> workloads() {
        return resources.stream().filter(r -> List.of("Deployment", "StatefulSet").contains(r.path("kind").asText())).toList();
    }

    Map<String, String> configMap(String name) {
        JsonNode map = find("ConfigMap", name).orElseThrow(
                () -> new AssertionError(overlay + ": ConfigMap " + name + " is referenced but not rendered"));
        Map<String, String> data = new LinkedHashMap<>();
        map.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }

    /** A Secret's keys and decoded values: rendered by the overlay, or else its template under secrets-example. */
    Map<String, byte[]> secret(String name) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        Optional<JsonNode> rendered = find("Secret", name);
        if (rendered.isPresent()) {
            rendered.get().path("data").fields().forEachRemaining(
                    e -> data.put(e.getKey(), Base64.getMimeDecoder().decode(e.getValue().asText())));
            rendered.get().path("stringData").fields().forEachRemaining(
                    e -> data.put(e.getKey(), e.getValue().asText().getBytes(StandardCharsets.UTF_8)));
            return data;
        }
        if (!ofKind("Secret").isEmpty()) {
            throw new AssertionError(overlay + ": Secret " + name + " is referenced but not rendered");
        }
        Path template = SECRET_EXAMPLES.resolve(name);
        if (!Files.isDirectory(template)) {
            throw new AssertionError(overlay + ": Secret " + name + " is neither rendered nor templated in " + template);
        }
        try (var files = Files.list(template)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                data.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return data;
    }

    boolean rendersSecret(String name) {
        return find("Secret", name).isPresent();
    }
}
