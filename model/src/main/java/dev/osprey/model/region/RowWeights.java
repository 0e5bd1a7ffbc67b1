package dev.osprey.model.region;

import static dev.osprey.model.region.Bfloat16.widen;
import static dev.osprey.model.region.Vectors.FLOATS;
import static dev.osprey.model.region.Vectors.LANES;

import jdk.incubator.vector.FloatVector;

/**
 * A Linear's bf16 weight laid out for a few regions: transposed, one contiguous row of outputs per
 * input ({@code w[i][o] = W[o][i]}). A call with one region is bound by reading the weights from
 * memory, so it reads only the rows of its non-zero inputs, each streamed whole, and folds
 * {@link NonZeroInputs#MULTIPLE} of them into every pass over {@code y}.
 */
final class RowWeights {

    private static final int FOLD = NonZeroInputs.MULTIPLE;

    private final short[] w;
    private final int width;

    /**
     * @param weight PyTorch's {@code [out][in]}, row-major
     * @param width  outputs rounded up to a multiple of the vector lanes; the padding's weights are 0
     */
    RowWeights(short[] weight, int out, int in, int width) {
        this.width = width;
        this.w = new short[in * width];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                w[i * width + o] = weight[o * in + i];
            }
        }
    }

    /** {@code y[r] += x[r] W^T} for every row {@code x} holds values of. */
    void accumulate(NonZeroInputs x, float[][] y) {
        int[] index = x.index();
        float[][] values = x.values();
        for (int k = 0; k < index.length; k += FOLD) {
            int w0 = index[k] * width;
            int w1 = index[k + 1] * width;
            int w2 = index[k + 2] * width;
            int w3 = index[k + 3] * width;
            for (int r = 0; r < values.length; r++) {
                float[] v = values[r];
                if (NonZeroInputs.anyNonZero(v, k)) {
                    fold(y[r], v[k], v[k + 1], v[k + 2], v[k + 3], w0, w1, w2, w3);
                }
            }
        }
    }

    /** {@code y += a0 w[i0] + a1 w[i1] + a2 w[i2] + a3 w[i3]}, the rows given by their offsets. */
    private void fold(float[] y, float a0, float a1, float a2, float a3, int w0, int w1, int w2, int w3) {
        FloatVector b0 = FloatVector.broadcast(FLOATS, a0);
        FloatVector b1 = FloatVector.broadcast(FLOATS, a1);
        FloatVector b2 = FloatVector.broadcast(FLOATS, a2);
        FloatVector b3 = FloatVector.broadcast(FLOATS, a3);
        for (int o = 0; o < width; o += LANES) {
            FloatVector acc = FloatVector.fromArray(FLOATS, y, o);
            acc = widen(w, w0 + o).fma(b0, acc);
            acc = widen(w, w1 + o).fma(b1, acc);
            acc = widen(w, w2 + o).fma(b2, acc);
            acc = widen(w, w3 + o).fma(b3, acc);
            acc.intoArray(y, o);
        }
    }
}
