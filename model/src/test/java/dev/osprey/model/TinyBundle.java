package dev.osprey.model;

import dev.osprey.model.bundle.BundleConverter;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.DecoderPrecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The golden tiny checkpoint converted to an fp32 bundle, once per test JVM (conversion takes a few
 * seconds). Tests only read it.
 */
public final class TinyBundle {

    private static Path dir;

    private TinyBundle() {
    }

    /** The bundle's folder, converted on first use into a temporary folder deleted at exit. */
    public static synchronized Path dir() {
        if (dir == null) {
            try {
                Path parent = Files.createTempDirectory("osprey-tiny-bundle");
                Path bundle = parent.resolve("bundle");
                new BundleConverter(line -> { }).convert(Golden.binCheckpoint(), bundle, DecoderPrecision.FP32);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(parent)));
                dir = bundle;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** The opened bundle. */
    public static ModelBundle open() {
        return ModelBundle.open(dir());
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Best effort at exit: the folder is in the temporary directory anyway.
        }
    }
}
