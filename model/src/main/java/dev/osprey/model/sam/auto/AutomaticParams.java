package dev.osprey.model.sam.auto;

import dev.osprey.model.error.OspreyException;

/**
 * The parameters of the automatic mask generator, named and defaulted as the reference's
 * {@code SamAutomaticMaskGenerator} names them ({@code points_per_side} is {@link #pointsPerSide}).
 * The constructor rejects what the reference cannot run (a grid of zero points, a negative layer
 * count) and bounds the work one call may ask for; messages use the reference's names.
 *
 * @param pointsPerSide              points along each side of the full image's grid
 * @param pointsPerBatch             prompts decoded in one run
 * @param predIouThresh              a candidate stays if its predicted IoU is above this (skipped when ≤ 0)
 * @param stabilityScoreThresh       a candidate stays if its stability score is at least this (skipped when ≤ 0)
 * @param stabilityScoreOffset       the logit offset of the stability score
 * @param boxNmsThresh               box IoU above which NMS within a crop suppresses a mask
 * @param cropNLayers                layers of crops beyond the full image (layer i has 2^i crops per side)
 * @param cropNmsThresh              box IoU above which NMS across crops suppresses a mask
 * @param cropOverlapRatio           crop overlap as a fraction of the image's short side (at layer 1)
 * @param cropNPointsDownscaleFactor the grid of layer i has {@code points_per_side / factor^i} points per side
 * @param minMaskRegionArea          holes and islands smaller than this are removed (0: no cleanup)
 * @param outputMode                 how segmentations are written
 */
public record AutomaticParams(
        int pointsPerSide,
        int pointsPerBatch,
        double predIouThresh,
        double stabilityScoreThresh,
        double stabilityScoreOffset,
        double boxNmsThresh,
        int cropNLayers,
        double cropNmsThresh,
        double cropOverlapRatio,
        int cropNPointsDownscaleFactor,
        int minMaskRegionArea,
        OutputMode outputMode) {

    /** Most grid points per side: 256² prompts per crop is already far beyond any use. */
    public static final int MAX_POINTS_PER_SIDE = 256;
    /** Most prompts per decoder run: each brings three 256×256 low-resolution masks (768 KiB). */
    public static final int MAX_POINTS_PER_BATCH = 256;
    /** Most crop layers: layer 4 alone has 256 crops, each embedded by the image encoder. */
    public static final int MAX_CROP_N_LAYERS = 4;

    /** The reference's defaults: {@code SamAutomaticMaskGenerator(sam)}. */
    public static final AutomaticParams DEFAULTS = new AutomaticParams(32, 64, 0.88, 0.95, 1.0, 0.7, 0, 0.7, 512.0 / 1500.0, 1, 0,
            OutputMode.BINARY_MASK);

    public AutomaticParams {
        requireRange("points_per_side", pointsPerSide, 1, MAX_POINTS_PER_SIDE);
        requireRange("points_per_batch", pointsPerBatch, 1, MAX_POINTS_PER_BATCH);
        requireFinite("pred_iou_thresh", predIouThresh);
        requireFinite("stability_score_thresh", stabilityScoreThresh);
        requireFinite("stability_score_offset", stabilityScoreOffset);
        requireFinite("box_nms_thresh", boxNmsThresh);
        requireRange("crop_n_layers", cropNLayers, 0, MAX_CROP_N_LAYERS);
        requireFinite("crop_nms_thresh", cropNmsThresh);
        requireFinite("crop_overlap_ratio", cropOverlapRatio);
        if (cropOverlapRatio < 0 || cropOverlapRatio >= 1) {
            throw OspreyException.badInput("crop_overlap_ratio is " + cropOverlapRatio + ", expected at least 0 and below 1");
        }
        requireRange("crop_n_points_downscale_factor", cropNPointsDownscaleFactor, 1, Integer.MAX_VALUE);
        requireRange("min_mask_region_area", minMaskRegionArea, 0, Integer.MAX_VALUE);
        if (outputMode == null) {
            throw OspreyException.badInput("output_mode is missing");
        }
        int lastLayerPoints = PointGrid.pointsPerSide(pointsPerSide, cropNLayers, cropNPointsDownscaleFactor);
        if (lastLayerPoints < 1) {
            throw OspreyException.badInput("crop layer " + cropNLayers + " would have no grid points: points_per_side " + pointsPerSide
                    + " / crop_n_points_downscale_factor " + cropNPointsDownscaleFactor + "^" + cropNLayers + " is below 1");
        }
    }

    /**
     * The parameters of a JSON object with any of the reference's names (the rest keep their
     * defaults); an unknown name, a value of the wrong type or out of range is {@code BAD_INPUT}.
     */
    public static AutomaticParams fromJson(String json) {
        return AutomaticParamsJson.parse(json);
    }

    private static void requireRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            String range = max == Integer.MAX_VALUE ? "at least " + min : "from " + min + " to " + max;
            throw OspreyException.badInput(name + " is " + value + ", expected " + range);
        }
    }

    private static void requireFinite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw OspreyException.badInput(name + " is " + value + ", expected a finite number");
        }
    }
}
