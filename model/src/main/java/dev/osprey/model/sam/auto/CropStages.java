package dev.osprey.model.sam.auto;

/**
 * How many candidates of one crop survived each stage of the generator, in the reference's order.
 *
 * @param crop           the crop
 * @param points         grid points (prompts)
 * @param candidates     masks decoded (three per point)
 * @param afterPredIou   left after the predicted-IoU filter
 * @param afterStability left after the stability filter
 * @param afterCropEdge  left after dropping masks near an inner crop edge
 * @param afterBoxNms    left after the crop's box NMS
 */
public record CropStages(CropBox crop, int points, int candidates, int afterPredIou, int afterStability, int afterCropEdge, int afterBoxNms) {
}
