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

    /** SAM over {@code images} with the image encoder in process, caching up to {@code cacheBytes} of embeddings. */
    public static SegmentAnything embedded(FeatureStore images, long cacheBytes, SegmentLimits limits) {
        SamPredictor predictor = SamPredictor.open(files(), 1);
        return SegmentAnything.of(predictor, new SamEmbeddings(images, new SamPreprocessor(files().config()),
                new EmbeddedSamImageEncoder(predictor), cacheBytes, Duration.ZERO, System::nanoTime, EmbeddingListener.NONE), limits);
    }

    /** Image encoder runs of SAM made by {@link #embedded}. */
    public static long encoderRuns(SegmentAnything sam) {
        return ((EmbeddedSamImageEncoder) sam.embeddings().orElseThrow().encoder()).runs();
    }
}
