package dev.osprey.encoder.features;

import java.time.Duration;

/**
 * How much a {@link FeatureStore} keeps.
 *
 * @param featureBytes bound on the cached features (float32 maps and tokens; ~39 MiB per image at the real model's size)
 * @param imageBytes   bound on the uploads cached in memory in front of the upload store, from which
 *                     evicted features are re-encoded; make it hold many more images than the feature cache
 * @param idleTtl      an image's bytes and features unused for this long leave memory (not the upload store); zero: never
 */
public record StoreLimits(long featureBytes, long imageBytes, Duration idleTtl) {

    public StoreLimits {
        if (featureBytes < 0 || imageBytes < 0 || idleTtl.isNegative()) {
            throw new IllegalArgumentException("cache sizes and the idle TTL must be >= 0, got " + featureBytes + ", " + imageBytes
                    + ", " + idleTtl);
        }
    }
}
