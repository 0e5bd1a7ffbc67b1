package dev.osprey.encoder.sam;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.sam.SamCheckpoint;
import dev.osprey.model.sam.SamGraphs;
import dev.osprey.model.sam.SamModelFiles;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPreprocessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Segment Anything on the golden tiny SAM checkpoint ({@code testdata/golden-sam/checkpoint}), its
 * graphs written once per test JVM, wired over a feature store as the application wires it.
 */
public final class TinySam {

    /** Roomy bounds: the tests' automatic runs stay far below them. */
    public static final SegmentLimits LIMITS = new SegmentLimits(64, 256, 64, 2);

    private static SamModelFiles files;

    private TinySam() {
    }

    /** The tiny checkpoint's graphs and geometry, written on first use into the build folder (replacing earlier runs'). */
    public static synchronized SamModelFiles files() {
        if (files == null) {
            try (SamCheckpoint checkpoint = SamCheckpoint.open(GoldenSam.pthCheckpoint(), GoldenSam.config())) {
                files = SamGraphs.write(checkpoint, Path.of("target", "tiny-sam"));
            }
        }
        return files;
    }

    /**
     * SAM over {@code images} with the image encoder in process, caching up to {@code cacheBytes} of
     * embeddings; {@code runs} counts the image encoder's runs.
     */
    public static SegmentAnything embedded(FeatureStore images, long cacheBytes, AtomicInteger runs) {
        SamPredictor predictor = SamPredictor.open(files(), 1);
        return over(images, predictor, new EmbeddedSamImageEncoder(predictor), cacheBytes, runs);
    }

    /** SAM over {@code images} with {@code encoder} for images and {@code predictor} for prompts, as {@link #embedded}. */
    public static SegmentAnything over(FeatureStore images, SamPredictor predictor, SamImageEncoder encoder, long cacheBytes,
            AtomicInteger runs) {
        return SegmentAnything.of(predictor, new SamEmbeddings(images, new SamPreprocessor(files().config()), encoder, cacheBytes,
                Duration.ZERO, System::nanoTime, (nanos, failed) -> runs.incrementAndGet()), LIMITS);
    }
}
