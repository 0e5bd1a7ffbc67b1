package dev.osprey.model.vision;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;

/**
 * One feature map of one image, [C,H,W] row-major float32 (spec §1.2: res2..res5): what the vision
 * tower produces and the mask extractor pools.
 *
 * @param name     "res2" ... "res5"
 * @param channels C
 * @param height   H
 * @param width    W
 * @param values   C·H·W values, index (c·H + h)·W + w; treat as read-only (not copied)
 */
public record FeatureMap(String name, int channels, int height, int width, float[] values) {

    public FeatureMap {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new OspreyException(Reason.INTERNAL, name + " has shape [" + channels + ", " + height + ", " + width
                    + "]; every size must be positive");
        }
        if ((long) channels * height * width != values.length) {
            throw new OspreyException(Reason.INTERNAL, name + " is " + channels + "x" + height + "x" + width
                    + " but holds " + values.length + " values");
        }
    }

    /** [C, H, W]. */
    public long[] shape() {
        return new long[] {channels, height, width};
    }

    /** Cells per channel ({@code H * W}). */
    public int cells() {
        return height * width;
    }

    /** The map as a named float32 tensor [C,H,W] (what {@code osprey encode} writes). */
    public Tensor toTensor() {
        return Tensor.ofFloats(name, shape(), values);
    }
}
