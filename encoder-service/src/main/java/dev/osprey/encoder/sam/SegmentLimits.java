package dev.osprey.encoder.sam;

import dev.osprey.model.error.OspreyException;

/**
 * Bounds on what one request may make the encoder do.
 *
 * @param defaultMaxMasks  SegmentAll's mask cap when the request sets none
 * @param maxMasks         the highest cap a request may set (a higher one is cut to it)
 * @param maxPointsPerSide the largest automatic point grid (its square is the prompts per crop)
 * @param maxCropLayers    the most automatic crop layers (layer i has 4^i crops)
 */
public record SegmentLimits(int defaultMaxMasks, int maxMasks, int maxPointsPerSide, int maxCropLayers) {

    public SegmentLimits {
        if (defaultMaxMasks < 1 || maxMasks < defaultMaxMasks || maxPointsPerSide < 1 || maxCropLayers < 0) {
            throw new IllegalArgumentException("need 1 <= default mask cap <= mask cap, points per side >= 1 and crop layers >= 0, got "
                    + defaultMaxMasks + ", " + maxMasks + ", " + maxPointsPerSide + ", " + maxCropLayers);
        }
    }

    /**
     * The cap for a request asking for {@code requested} masks (0: the default).
     *
     * @throws OspreyException BAD_INPUT for a negative cap
     */
    public int cap(int requested) {
        if (requested < 0) {
            throw OspreyException.badInput("max_masks must be >= 0 (0: the server's default, " + defaultMaxMasks + "), got " + requested);
        }
        return requested == 0 ? defaultMaxMasks : Math.min(requested, maxMasks);
    }

    /**
     * Checks the automatic generator's work against the bounds.
     *
     * @throws OspreyException BAD_INPUT naming the parameter over its bound
     */
    public void check(int pointsPerSide, int cropLayers) {
        if (pointsPerSide > maxPointsPerSide) {
            throw OspreyException.badInput("points_per_side is " + pointsPerSide + ", this server allows at most " + maxPointsPerSide);
        }
        if (cropLayers > maxCropLayers) {
            throw OspreyException.badInput("crop_n_layers is " + cropLayers + ", this server allows at most " + maxCropLayers);
        }
    }
}
