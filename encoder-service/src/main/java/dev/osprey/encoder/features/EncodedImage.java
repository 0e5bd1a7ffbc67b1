package dev.osprey.encoder.features;

import dev.osprey.model.vision.FeatureMap;
import dev.osprey.model.vision.VisionFeatures;

/**
 * What the encoder keeps per image.
 *
 * @param imageId  SHA-256 of the uploaded bytes ({@link dev.osprey.model.pipeline.ImageId})
 * @param width    width after EXIF orientation
 * @param height   height after EXIF orientation
 * @param features res2..res5 and image_embeds
 */
public record EncodedImage(String imageId, int width, int height, VisionFeatures features) {

    /** Bytes of the float32 feature maps and image tokens: what the feature cache is bounded by. */
    public long bytes() {
        long floats = features.imageEmbeds().length;
        for (FeatureMap level : features.levels()) {
            floats += level.values().length;
        }
        return floats * Float.BYTES;
    }
}
