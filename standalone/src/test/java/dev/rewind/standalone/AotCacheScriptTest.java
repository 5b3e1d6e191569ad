package dev.rewind.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/run's AOT cache step (bin/aot-cache.sh), with a stand-in {@code java} first on the PATH that
 * counts its training runs: a failed training is not retried until the jar changes.
 */
class AotCacheScriptTest {

    private static final Path SCRIPT = Path.of("..", "bin", "aot-cache.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path jar;
    private Path aot;
    private Path runs;

    @BeforeEach
    void files() throws IOException {
        jar = Files.writeString(dir.resolve("rewind-standalone.jar"), "build 1");
        aot = dir.resolve("rewind-standalone.aot");
        runs = dir.resolve("training-runs");
    }

    @Test
    void aFailedTrainingIsNotRetriedForTheSameBuildButIsForTheNextOne() throws Exception {
        fakeJava("exit 1");

        assertThat(prepare().exitCode).isEqualTo(1);
        Result second = prepare();
        assertThat(second.exitCode).isEqualTo(1);
        assertThat(second.stderr).contains("not retrying until the build changes").contains(aot + ".failed");
        assertThat(trainingRuns()).as("the same jar is trained once").isEqualTo(1);

        Files.writeString(jar, "build 2");
        assertThat(prepare().exitCode).isEqualTo(1);
        assertThat(trainingRuns()).as("a new build trains again").isEqualTo(2);
    }

    @Test
    void aSuccessfulTrainingAfterAFailedBuildGivesTheCacheAndForgetsTheFailure() throws Exception {
        fakeJava("exit 1");
        prepare();
        Files.writeString(jar, "build 2");
        fakeJava("for a in \"$@\"; do case \"$a\" in -XX:AOTCacheOutput=*) echo cache > \"${a#-XX:AOTCacheOutput=}\";; esac; done");

        assertThat(prepare().exitCode).isZero();
        assertThat(aot).exists();
        assertThat(Path.of(aot + ".failed")).doesNotExist();
        assertThat(prepare().exitCode).as("a cache newer than the jar is used as it is").isZero();
        assertThat(trainingRuns()).isEqualTo(2);
    }

    private void fakeJava(String body) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/usr/bin/env bash\necho run >> '" + runs + "'\n" + body + "\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private long trainingRuns() throws IOException {
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }

    private record Result(int exitCode, String stderr) {}

    private Result prepare() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "source \"$0\" && prepare_aot_cache \"$1\" \"$2\"",
                SCRIPT.toString(), jar.toString(), aot.toString());
        builder.environment().put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path stderr = dir.resolve("stderr");
        builder.redirectError(stderr.toFile());
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the script ends by itself").isTrue();
        return new Result(process.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
    }
}
