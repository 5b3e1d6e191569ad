package dev.rewind.processor.session;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds {@code shared/fixtures} beside the repository, where the team keeps recorded provider streams. */
final class SharedFixtures {

    private SharedFixtures() {}

    /** The folder, or null when this checkout has none beside it. */
    static Path dir() {
        String configured = System.getProperty("rewind.shared.fixtures");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
