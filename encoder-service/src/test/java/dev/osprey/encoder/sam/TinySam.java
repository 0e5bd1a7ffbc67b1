package dev.osprey.encoder.sam;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.bundle.BundleConverter;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.sam.SamGolden;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPreprocessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Segment Anything on the golden tiny SAM checkpoint ({@code testdata/golden-sam/checkpoint}), its
 * graphs written once per test JVM ({@link SamGolden#tinyGraphs}), wired over a feature store as the
 * application wires it.
 */
public final class TinySam {

    /** Roomy bounds: the tests' automatic runs stay far below them. */
    public static final SegmentLimits LIMITS = new SegmentLimits(64, 256, 64, 2);

    private static Path bundle;

    private TinySam() {
    }

    /** The golden tiny Osprey checkpoint converted with the tiny SAM ({@code osprey convert --sam}), once per test JVM. */
    public static synchronized Path bundle() {
        if (bundle == null) {
            try {
                Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "tiny-sam-bundle").resolve("bundle");
                new BundleConverter(line -> { }).withSam(GoldenSam.pthCheckpoint(), GoldenSam.config())
                        .convert(Golden.binCheckpoint(), dir, DecoderPrecision.FP32);
                bundle = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return bundle;
    }

    /**
     * SAM over {@code images} with the image encoder in process, caching up to {@code cacheBytes} of
     * embeddings; {@code runs} counts the image encoder's runs.
     */
    public static SegmentAnything embedded(FeatureStore images, long cacheBytes, AtomicInteger runs) {
        SamPredictor predictor = SamPredictor.open(SamGolden.tinyGraphs(), 1);
        return over(images, predictor, new EmbeddedSamImageEncoder(predictor), 1, cacheBytes, runs);
    }

    /**
     * SAM over {@code images} with {@code encoder} for images (at most {@code maxConcurrent} at once) and
     * {@code predictor} (any SAM model) for prompts, as {@link #embedded}.
     */
    public static SegmentAnything over(FeatureStore images, SamPredictor predictor, SamImageEncoder encoder, int maxConcurrent,
            long cacheBytes, AtomicInteger runs) {
        return SegmentAnything.of(predictor, new SamEmbeddings(images, new SamPreprocessor(predictor.config()), encoder, maxConcurrent,
                cacheBytes, Duration.ZERO, System::nanoTime, (nanos, failed) -> runs.incrementAndGet()), LIMITS);
    }
}
