package dev.rewind.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The laptop stack's secrets — the read-token signing key and the demo API key — made once and kept
 * in the data directory (owner-only), so that tokens and sessions from before a restart still work.
 */
record StandaloneSecrets(String signingKey, String demoApiKey) {

    private static final String FILE = "standalone-secrets.json";

    static StandaloneSecrets loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                JsonNode node = Json.MAPPER.readTree(file.toFile());
                return new StandaloneSecrets(node.get("signing_key").asText(), node.get("demo_api_key").asText());
            }
            SecureRandom random = new SecureRandom();
            byte[] signing = new byte[32];
            random.nextBytes(signing);
            byte[] demo = new byte[24];
            random.nextBytes(demo);
            StandaloneSecrets secrets = new StandaloneSecrets(Base64.getEncoder().encodeToString(signing),
                    "rw_demo_" + Base64.getUrlEncoder().withoutPadding().encodeToString(demo));
            Files.createDirectories(dataDir);
            Files.writeString(file, Json.toString(Json.MAPPER.createObjectNode()
                    .put("signing_key", secrets.signingKey())
                    .put("demo_api_key", secrets.demoApiKey())));
            restrictToOwner(file);
            return secrets;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, Set.copyOf(PosixFilePermissions.fromString("rw-------")));
        }
    }

    @Override
    public String toString() {
        return "StandaloneSecrets[redacted]";
    }
}
