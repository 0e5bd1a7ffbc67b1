package dev.osprey.extractor;

import dev.osprey.api.v1.Region;
import dev.osprey.internal.v1.ExtractResponse;
import dev.osprey.model.cache.LruLoadingCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.StageSpans;
import dev.osprey.service.TensorMessages;
import java.time.Duration;
import java.util.List;

/**
 * One Extract call: the image's feature maps from its encoder, the masks decoded at the image's size,
 * the mask extractor over all of them at once. The feature maps of recent images are kept (the
 * gateway sends every question about an image to the same extractor): at the real model's size they
 * are 24 MiB, whose transfer costs more than the extraction itself. The masks' decoding and pooling
 * is the span {@code extract} of the request's trace, which says whether the features were kept here
 * ({@code osprey.feature_cache.hit}); the time spent getting them is in the response ({@code features_ms}).
 */
final class RegionExtraction {

    private record Extracted(List<BinaryMask> masks, RegionTokens tokens) {
    }

    private final EncoderClient encoder;
    private final MaskExtractor extractor;
    private final int maxRegions;
    private final LruLoadingCache<String, EncoderClient.Features> features;
    private final StageSpans spans;

    /**
     * @param maxRegions the most regions one call may carry
     * @param features   recent images' feature maps by image id (ids are content digests, so a kept
     *                   copy never goes stale)
     */
    RegionExtraction(EncoderClient encoder, MaskExtractor extractor, int maxRegions, LruLoadingCache<String, EncoderClient.Features> features,
            StageSpans spans) {
        this.spans = spans;
        this.encoder = encoder;
        this.extractor = extractor;
        this.maxRegions = maxRegions;
        this.features = features;
    }

    /** A feature cache of at most {@code maxBytes} whose images are dropped after {@code idleTtl} unused. */
    static LruLoadingCache<String, EncoderClient.Features> featureCache(long maxBytes, Duration idleTtl) {
        return new LruLoadingCache<>(maxBytes,
                f -> f.maps().levels().stream().mapToLong(level -> (long) level.values().length * Float.BYTES).sum(), idleTtl, System::nanoTime);
    }

    /** Forgets an image's kept feature maps; whether there were any. */
    boolean forget(String imageId) {
        return features.invalidate(imageId);
    }

    LruLoadingCache<String, EncoderClient.Features> features() {
        return features;
    }

    /**
     * The region tokens of {@code regions} of image {@code imageId}.
     *
     * @param encoderAddress the encoder replica that owns the image (one of the configured replicas, else
     *                       PERMISSION_DENIED); empty for the configured default
     */
    ExtractResponse extract(String imageId, String encoderAddress, List<Region> regions, boolean allowEmpty) {
        encoder.requireKnown(encoderAddress);
        if (imageId.isBlank()) {
            throw OspreyException.badInput("image_id is empty");
        }
        if (regions.isEmpty()) {
            throw OspreyException.badInput("regions is empty: give at least one region");
        }
        if (regions.size() > maxRegions) {
            throw OspreyException.badInput(regions.size() + " regions in one request, the limit is " + maxRegions);
        }
        long fetch = System.nanoTime();
        LruLoadingCache.Loaded<EncoderClient.Features, Boolean> loaded = features.load(imageId,
                id -> LruLoadingCache.Loaded.computed(encoder.features(encoderAddress, id), Boolean.TRUE));
        double featuresMs = (System.nanoTime() - fetch) / 1e6;
        EncoderClient.Features image = loaded.value();
        ExtractResponse.Builder response = ExtractResponse.newBuilder().setFeaturesMs(featuresMs);
        Extracted extracted = spans.run("extract", () -> {
            spans.tag("osprey.feature_cache.hit", loaded.byProduct().isEmpty());
            List<BinaryMask> masks = RegionMasks.decode(regions, image.height(), image.width(), allowEmpty);
            return new Extracted(masks, extractor.extract(image.maps(), masks));
        });
        RegionTokens tokens = extracted.tokens();
        long[] shape = {tokens.regions(), tokens.width()};
        response.getTokensBuilder()
                .setMaskTokens(TensorMessages.floats("mask_tokens", shape, tokens.maskTokens()))
                .setPosTokens(TensorMessages.floats("pos_tokens", shape, tokens.posTokens()));
        extracted.masks().forEach(mask -> response.addAreas(mask.area()));
        return response.build();
    }
}
