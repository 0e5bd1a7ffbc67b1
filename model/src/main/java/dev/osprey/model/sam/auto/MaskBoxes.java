package dev.osprey.model.sam.auto;

import dev.osprey.model.mask.BinaryMask;

/**
 * The reference's {@code batched_mask_to_box} for one mask: the inclusive pixel bounds
 * {@code [x_min, y_min, x_max, y_max]} of its inside pixels, {@code [0, 0, 0, 0]} when it has none
 * (so a box's width is one less than the pixel extent, unlike pycocotools' {@code toBbox}).
 */
final class MaskBoxes {

    private MaskBoxes() {
    }

    /** The box of {@code mask}. */
    static int[] inclusiveBounds(BinaryMask mask) {
        // the tight box [x, y, pixel width, pixel height], all zero when empty
        double[] tight = mask.bbox();
        if (tight[2] == 0) {
            return new int[4];
        }
        int x = (int) tight[0];
        int y = (int) tight[1];
        return new int[] {x, y, x + (int) tight[2] - 1, y + (int) tight[3] - 1};
    }
}
