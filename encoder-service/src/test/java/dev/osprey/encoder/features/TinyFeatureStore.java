package dev.osprey.encoder.features;

import dev.osprey.encoder.uploads.UploadStore;
import dev.osprey.encoder.vision.BatchListener;
import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.service.StageSpans;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A feature store over the tiny bundle's preprocessing, built as the application builds it, without Spring.
 *
 * @param batcher the micro-batcher in front of the backend
 * @param store   the store
 */
public record TinyFeatureStore(MicroBatcher batcher, FeatureStore store) implements AutoCloseable {

    /** A store encoding with {@code backend}, keeping uploads in {@code uploads}. */
    public static TinyFeatureStore open(VisionBackend backend, UploadStore uploads, StoreLimits limits, LongSupplier clock) {
        var image = TinyBundle.open().manifest().image();
        MicroBatcher batcher = new MicroBatcher(backend, 3 * image.size() * image.size(), 4, Duration.ofMillis(5), BatchListener.NONE);
        return new TinyFeatureStore(batcher, new FeatureStore(new ImagePreparation(new ImageDecoder(), new ImagePreprocessor(image), 2,
                StageSpans.OFF), batcher, uploads, limits, clock, StageSpans.OFF));
    }

    @Override
    public void close() {
        batcher.close();
    }
}
