package dev.rewind.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one container of a rendered pod would see: its environment (literal values, ConfigMap and Secret references,
 * the pod name from the downward API) and its mounted ConfigMap and Secret files, written under a scratch root so
 * that the services' own loaders can read them at the paths the manifests give.
 */
final class PodEnvironment {

    private final RenderedManifests manifests;
    private final String podName;
    private final Path root;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> mounts = new LinkedHashMap<>();

    PodEnvironment(RenderedManifests manifests, JsonNode workload, JsonNode container, Path root) throws IOException {
        this.manifests = manifests;
        this.podName = workload.path("metadata").path("name").asText() + "-0";
        this.root = root;
        for (JsonNode source : container.path("envFrom")) {
            if (source.has("configMapRef")) {
                env.putAll(manifests.configMap(source.path("configMapRef").path("name").asText()));
            } else if (source.has("secretRef")) {
                manifests.secret(source.path("secretRef").path("name").asText())
                        .forEach((k, v) -> env.put(k, new String(v, StandardCharsets.UTF_8)));
            }
        }
        for (JsonNode variable : container.path("env")) {
            env.put(variable.path("name").asText(), valueOf(variable));
        }
        for (JsonNode mount : container.path("volumeMounts")) {
            JsonNode volume = volume(workload.path("spec"), mount.path("name").asText());
            String mountPath = mount.path("mountPath").asText();
            mounts.put(mountPath, mount.path("name").asText());
            Path target = inRoot(mountPath);
            Files.createDirectories(target);
            if (volume.has("configMap")) {
                write(target, volume.path("configMap"), toBytes(manifests.configMap(volume.path("configMap").path("name").asText())));
            } else if (volume.has("secret")) {
                write(target, volume.path("secret"), manifests.secret(volume.path("secret").path("secretName").asText()));
            }
        }
    }

    Map<String, String> env() {
        return env;
    }

    /** Mount paths of this container and the volume mounted at each. */
    Map<String, String> mounts() {
        return mounts;
    }

    /** Where a path of the container's file system is in the scratch copy. */
    Path inRoot(String containerPath) {
        return root.resolve(containerPath.replaceFirst("^/+", ""));
    }

    /** {@code path} made to point into the scratch copy when it lies under one of this container's mounts. */
    String rebased(String path) {
        if (path == null) {
            return null;
        }
        for (String mountPath : mounts.keySet()) {
            if (path.startsWith(mountPath + "/")) {
                return inRoot(path).toString();
            }
        }
        return path;
    }

    private String valueOf(JsonNode variable) {
        if (variable.has("value")) {
            return variable.path("value").asText();
        }
        JsonNode from = variable.path("valueFrom");
        if (from.has("fieldRef")) {
            String field = from.path("fieldRef").path("fieldPath").asText();
            if (!field.equals("metadata.name")) {
                throw new AssertionError("field reference " + field + " is not modelled by this check");
            }
            return podName;
        }
        if (from.has("configMapKeyRef")) {
            return required(manifests.configMap(from.path("configMapKeyRef").path("name").asText()),
                    from.path("configMapKeyRef").path("key").asText());
        }
        if (from.has("secretKeyRef")) {
            byte[] value = manifests.secret(from.path("secretKeyRef").path("name").asText())
                    .get(from.path("secretKeyRef").path("key").asText());
            if (value == null) {
                throw new AssertionError("secret key " + from.path("secretKeyRef") + " does not exist");
            }
            return new String(value, StandardCharsets.UTF_8);
        }
        throw new AssertionError("environment variable " + variable + " has a source this check does not model");
    }

    private static <V> V required(Map<String, V> data, String key) {
        V value = data.get(key);
        if (value == null) {
            throw new AssertionError("key " + key + " does not exist in " + data.keySet());
        }
        return value;
    }

    /** The pod volume or the StatefulSet claim template a mount names. */
    private static JsonNode volume(JsonNode workloadSpec, String name) {
        for (JsonNode volume : workloadSpec.path("template").path("spec").path("volumes")) {
            if (name.equals(volume.path("name").asText())) {
                return volume;
            }
        }
        for (JsonNode claim : workloadSpec.path("volumeClaimTemplates")) {
            if (name.equals(claim.path("metadata").path("name").asText())) {
                return claim;
            }
        }
        throw new AssertionError("volume mount " + name + " names no volume and no claim template");
    }

    /** Writes a ConfigMap's or Secret's keys as files, or only the listed {@code items} at their paths. */
    private static void write(Path dir, JsonNode source, Map<String, byte[]> data) throws IOException {
        if (source.has("items")) {
            for (JsonNode item : source.path("items")) {
                Files.write(dir.resolve(item.path("path").asText()), required(data, item.path("key").asText()));
            }
            return;
        }
        for (Map.Entry<String, byte[]> entry : data.entrySet()) {
            Files.write(dir.resolve(entry.getKey()), entry.getValue());
        }
    }

    private static Map<String, byte[]> toBytes(Map<String, String> data) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        data.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return bytes;
    }
}
