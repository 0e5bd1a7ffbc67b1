package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.TinyBundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged {@code osprey} CLI ({@code model/target/osprey.jar}) run as its own process on the
 * stack's bundle (the tiny model with the tiny SAM): the answers and masks the services must equal.
 */
final class OspreyCli {

    private OspreyCli() {
    }

    /** {@code osprey generate --greedy --json} on the tiny bundle; returns its JSON output. */
    static JsonNode generate(Path image, List<Path> masks, List<String> question, int maxNewTokens) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("generate", "--model", TinyBundle.withSamDir().toString(), "--image", image.toString(),
                "--greedy", "--json", "--max-new-tokens", String.valueOf(maxNewTokens)));
        for (Path mask : masks) {
            args.add("--mask");
            args.add(mask.toString());
        }
        args.addAll(question);
        return JsonMapper.builder().build().readTree(run(args));
    }

    /** {@code osprey <args>} (e.g. segment on the tiny bundle's SAM); returns what it printed, after checking that it exited 0. */
    static String run(List<String> args) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("osprey.root", ".."));
        Path jar = root.resolve("model/target/osprey.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        command.addAll(args);
        Path out = Files.createTempFile("osprey-cli", ".out");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // Generous: a JVM start and a tiny model run, on a machine that may be busy.
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("osprey %s finished", args.getFirst()).isTrue();
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        assertThat(process.exitValue()).as("osprey %s exit status; output: %s", args.getFirst(), printed).isZero();
        return printed;
    }
}
