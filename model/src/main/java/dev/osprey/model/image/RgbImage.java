package dev.osprey.model.image;

/**
 * An 8-bit RGB image: row-major, interleaved {@code R, G, B} bytes, no padding (Pillow's mode
 * {@code RGB} as {@code tobytes()} writes it). The array is shared, not copied: treat it as read-only.
 *
 * @param width  pixels per row, at least 1
 * @param height rows, at least 1
 * @param rgb    exactly {@code width * height * 3} bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException(width + "x" + height + " RGB needs " + (long) width * height * 3
                    + " bytes, got " + rgb.length);
        }
    }
}
