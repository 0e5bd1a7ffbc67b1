package dev.osprey.encoder;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.features.ImagePreparation;
import dev.osprey.encoder.vision.BatchListener;
import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.service.CacheMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The encoder's Micrometer meters: per model run {@code osprey.encode.duration} (tags {@code backend},
 * {@code outcome}) and {@code osprey.encode.batch.size}, and {@code osprey.encode.images} encoded (same
 * tags; re-encodes after an eviction included); the cache meters of {@link CacheMeters} for
 * {@code cache}=features|image_bytes; {@code osprey.queue.depth} of images
 * waiting for a batch ({@code queue}=vision_batch) or to be decoded ({@code queue}=image_decode).
 */
final class EncoderMetrics implements BatchListener {

    private final MeterRegistry registry;
    private final Timer succeeded;
    private final Timer failed;
    private final Counter imagesSucceeded;
    private final Counter imagesFailed;
    private final DistributionSummary batchSize;

    EncoderMetrics(MeterRegistry registry, String backend) {
        this.registry = registry;
        this.succeeded = encodeTimer(registry, backend, "success");
        this.failed = encodeTimer(registry, backend, "failure");
        this.imagesSucceeded = imageCounter(registry, backend, "success");
        this.imagesFailed = imageCounter(registry, backend, "failure");
        this.batchSize = DistributionSummary.builder("osprey.encode.batch.size").description("Images per vision model run")
                .baseUnit("images").tag("backend", backend).serviceLevelObjectives(1, 2, 4, 8, 16).register(registry);
    }

    private static Timer encodeTimer(MeterRegistry registry, String backend, String outcome) {
        return Timer.builder("osprey.encode.duration").description("Time of one vision model run (a batch of images)")
                .tags("backend", backend, "outcome", outcome).publishPercentileHistogram().register(registry);
    }

    private static Counter imageCounter(MeterRegistry registry, String backend, String outcome) {
        return Counter.builder("osprey.encode.images").description("Images run through the vision model").baseUnit("images")
                .tags("backend", backend, "outcome", outcome).register(registry);
    }

    @Override
    public void batchRan(int images, long nanos, boolean failure) {
        (failure ? failed : succeeded).record(nanos, TimeUnit.NANOSECONDS);
        (failure ? imagesFailed : imagesSucceeded).increment(images);
        batchSize.record(images);
    }

    /** Registers the meters that read the store's caches and the batcher's queue. */
    void bind(FeatureStore store, MicroBatcher batcher) {
        CacheMeters.bind(registry, "features", store.featureCache());
        CacheMeters.bind(registry, "image_bytes", store.uploads());
        Gauge.builder("osprey.queue.depth", batcher, MicroBatcher::queueDepth).description("Images waiting for a vision model run")
                .tag("queue", "vision_batch").register(registry);
        Gauge.builder("osprey.queue.depth", store.preparation(), ImagePreparation::queueDepth)
                .description("Images waiting to be decoded and preprocessed").tag("queue", "image_decode").register(registry);
    }
}
