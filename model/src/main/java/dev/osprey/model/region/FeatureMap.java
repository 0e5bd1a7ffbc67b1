package dev.osprey.model.region;

/**
 * One level of the vision tower's output (res2..res5) for one image: float32 {@code [C, H, W]},
 * row-major, channel after channel.
 *
 * @param data     {@code channels * height * width} values; treat as read-only (not copied)
 * @param channels C
 * @param height   H
 * @param width    W
 */
public record FeatureMap(float[] data, int channels, int height, int width) {

    public FeatureMap {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("feature map shape [" + channels + ", " + height + ", " + width + "] must be positive");
        }
        if (data.length != (long) channels * height * width) {
            throw new IllegalArgumentException("feature map [" + channels + ", " + height + ", " + width + "] needs "
                    + (long) channels * height * width + " values, got " + data.length);
        }
    }

    /** Cells per channel ({@code H * W}). */
    public int cells() {
        return height * width;
    }
}
