package dev.osprey.model.sam.auto;

import dev.osprey.model.mask.BinaryMask;

/**
 * One mask of the automatic generator, with the reference's annotation fields.
 *
 * @param segmentation   the mask at the full image's size
 * @param area           pixels inside
 * @param bbox           {@code [x, y, w, h]} from the inclusive bounds (w = x_max - x_min), image coordinates
 * @param predictedIou   the decoder's IoU prediction (a float32 value)
 * @param pointCoords    the grid point {@code [x, y]} that prompted it, image pixels
 * @param stabilityScore the stability score (a float32 value)
 * @param cropBox        the crop it came from, {@code [x, y, w, h]}
 */
public record AutomaticMask(BinaryMask segmentation, int area, int[] bbox, double predictedIou, double[] pointCoords, double stabilityScore,
        int[] cropBox) {
}
