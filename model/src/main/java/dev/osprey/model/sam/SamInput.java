package dev.osprey.model.sam;

import dev.osprey.model.image.RgbImage;

/**
 * One image prepared for the SAM image encoder ({@code SamPredictor.set_image} up to the model).
 *
 * @param resized        the image after ResizeLongestSide (uint8, no padding)
 * @param pixels         the normalised, zero-padded input [3, side, side] (side = the config's image size)
 * @param originalHeight the image's height
 * @param originalWidth  the image's width
 */
public record SamInput(RgbImage resized, float[] pixels, int originalHeight, int originalWidth) {

    /** Rows of {@link #pixels} that hold the image. */
    public int inputHeight() {
        return resized.height();
    }

    /** Columns of {@link #pixels} that hold the image. */
    public int inputWidth() {
        return resized.width();
    }
}
