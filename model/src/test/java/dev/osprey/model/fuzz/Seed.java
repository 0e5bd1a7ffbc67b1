package dev.osprey.model.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A valid input that fuzz tests mutate, loaded from the golden set or the test resources.
 *
 * @param name  the file name, for descriptions
 * @param bytes its content
 */
record Seed(String name, byte[] bytes) {

    /** The files in golden folder {@code relative} whose names end with {@code suffix}; there must be some. */
    static List<Seed> golden(String relative, String suffix) {
        return files(Golden.file(relative), suffix);
    }

    /** The files in test resource folder {@code folder} whose names end with {@code suffix}; there must be some. */
    static List<Seed> resources(String folder, String suffix) {
        try {
            return files(Path.of(Seed.class.getResource("/" + folder).toURI()), suffix);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Seed> files(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Seed> seeds = files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted()
                    .map(f -> new Seed(f.getFileName().toString(), read(f))).toList();
            assertThat(seeds).as("seed files *%s in %s", suffix, dir).isNotEmpty();
            return seeds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
