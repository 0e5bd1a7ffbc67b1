package dev.osprey.model.sam;

/**
 * The image encoder's output for one image and the sizes post-processing needs.
 *
 * @param values         image embedding [C, grid, grid], C-order (the reference's {@code features[0]})
 * @param channels       C
 * @param originalHeight the image's height
 * @param originalWidth  the image's width
 * @param inputHeight    height after ResizeLongestSide (the valid rows of the padded input)
 * @param inputWidth     width after ResizeLongestSide
 */
public record SamEmbedding(float[] values, int channels, int originalHeight, int originalWidth, int inputHeight, int inputWidth) {

    public SamEmbedding {
        int side = channels <= 0 ? 0 : (int) Math.round(Math.sqrt(values.length / (double) channels));
        if (side == 0 || (long) channels * side * side != values.length) {
            throw new IllegalArgumentException("an embedding of " + channels + " channels needs C x side x side values, got " + values.length);
        }
        if (originalHeight < 1 || originalWidth < 1 || inputHeight < 1 || inputWidth < 1) {
            throw new IllegalArgumentException("sizes must be positive: original " + originalWidth + "x" + originalHeight + ", input "
                    + inputWidth + "x" + inputHeight);
        }
    }

    /** Side of the embedding grid (64). */
    public int gridSide() {
        return (int) Math.round(Math.sqrt(values.length / (double) channels));
    }
}
