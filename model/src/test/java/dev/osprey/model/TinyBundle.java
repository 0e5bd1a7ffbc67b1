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
 * seconds); and the same with the golden tiny Segment Anything model in it ({@link #withSamDir()}),
 * as {@code osprey convert --sam} makes it. Tests only read them.
 */
public final class TinyBundle {

    private static Path dir;
    private static Path withSam;

    private TinyBundle() {
    }

    /** The bundle's folder, converted on first use into a temporary folder deleted at exit. */
    public static synchronized Path dir() {
        if (dir == null) {
            dir = convert(new BundleConverter(line -> { }));
        }
        return dir;
    }

    /** The bundle with the golden tiny SAM checkpoint (and its sam_config.json) in it, converted on first use. */
    public static synchronized Path withSamDir() {
        if (withSam == null) {
            withSam = convert(new BundleConverter(line -> { }).withSam(GoldenSam.pthCheckpoint(), null));
        }
        return withSam;
    }

    private static Path convert(BundleConverter converter) {
        try {
            Path parent = Files.createTempDirectory("osprey-tiny-bundle");
            Path bundle = parent.resolve("bundle");
            converter.convert(Golden.binCheckpoint(), bundle, DecoderPrecision.FP32);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(parent)));
            return bundle;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
