package dev.osprey.extractor;

import dev.osprey.api.v1.Region;
import dev.osprey.internal.v1.ExtractResponse;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.TensorMessages;
import java.util.List;

/**
 * One Extract call: the image's feature maps from its encoder, the masks decoded at the image's size,
 * the mask extractor over all of them at once.
 */
final class RegionExtraction {

    private final EncoderClient encoder;
    private final MaskExtractor extractor;
    private final int maxRegions;

    /** @param maxRegions the most regions one call may carry */
    RegionExtraction(EncoderClient encoder, MaskExtractor extractor, int maxRegions) {
        this.encoder = encoder;
        this.extractor = extractor;
        this.maxRegions = maxRegions;
    }

    /**
     * The region tokens of {@code regions} of image {@code imageId}.
     *
     * @param encoderAddress the encoder replica that owns the image; empty for the configured default
     */
    ExtractResponse extract(String imageId, String encoderAddress, List<Region> regions, boolean allowEmpty) {
        if (imageId.isBlank()) {
            throw OspreyException.badInput("image_id is empty");
        }
        if (regions.isEmpty()) {
            throw OspreyException.badInput("regions is empty: give at least one region");
        }
        if (regions.size() > maxRegions) {
            throw OspreyException.badInput(regions.size() + " regions in one request, the limit is " + maxRegions);
        }
        EncoderClient.Features features = encoder.features(encoderAddress, imageId);
        List<BinaryMask> masks = RegionMasks.decode(regions, features.height(), features.width(), allowEmpty);
        RegionTokens tokens = extractor.extract(features.maps(), masks);
        long[] shape = {tokens.regions(), tokens.width()};
        ExtractResponse.Builder response = ExtractResponse.newBuilder();
        response.getTokensBuilder()
                .setMaskTokens(TensorMessages.floats("mask_tokens", shape, tokens.maskTokens()))
                .setPosTokens(TensorMessages.floats("pos_tokens", shape, tokens.posTokens()));
        masks.forEach(mask -> response.addAreas(mask.area()));
        return response.build();
    }
}
