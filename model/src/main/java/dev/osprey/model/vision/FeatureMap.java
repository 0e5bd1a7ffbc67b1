package dev.osprey.model.vision;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;

/**
 * One feature map of one image, [C,H,W] row-major float32 (spec §1.2: res2..res5).
 *
 * @param name     "res2" ... "res5"
 * @param channels C
 * @param height   H
 * @param width    W
 * @param values   C·H·W values, index (c·H + h)·W + w
 */
public record FeatureMap(String name, int channels, int height, int width, float[] values) {

    public FeatureMap {
        if ((long) channels * height * width != values.length) {
            throw new OspreyException(Reason.INTERNAL, name + " is " + channels + "x" + height + "x" + width
                    + " but holds " + values.length + " values");
        }
    }

    /** [C, H, W]. */
    public long[] shape() {
        return new long[] {channels, height, width};
    }

    /** The map as a named float32 tensor [C,H,W] (what {@code osprey encode} writes). */
    public Tensor toTensor() {
        return Tensor.ofFloats(name, shape(), values);
    }
}
