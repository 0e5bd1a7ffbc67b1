package dev.osprey.model.sam.auto;

/**
 * The reference's {@code batched_mask_to_box} for one mask: the inclusive pixel bounds
 * {@code [x_min, y_min, x_max, y_max]} of its inside pixels, {@code [0, 0, 0, 0]} when it has none
 * (so a box's width is one less than the pixel extent, unlike pycocotools' {@code toBbox}).
 */
final class MaskBoxes {

    private MaskBoxes() {
    }

    /** The box of a {@code height × width} row-major 0/1 mask. */
    static int[] inclusiveBounds(byte[] mask, int height, int width) {
        int left = width;
        int top = height;
        int right = -1;
        int bottom = -1;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                if (mask[row + x] != 0) {
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                    top = Math.min(top, y);
                    bottom = y;
                }
            }
        }
        return right < 0 ? new int[4] : new int[] {left, top, right, bottom};
    }
}
