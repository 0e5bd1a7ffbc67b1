package dev.osprey.model.region;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;

/**
 * A PyTorch {@code nn.Linear} ({@code y = x W^T + b}) in float32, for a batch of rows at once.
 *
 * <p>Laid out for the JIT's auto-vectoriser: the weight is kept transposed, one array per input
 * feature ({@code w[i][o]}), so the inner loop {@code y[o] += x[i] * w[i][o]} runs over contiguous
 * output features with one index for every array (C2 does not vectorise such a loop when the arrays
 * are indexed with different offsets, as slices of one flat array would be). Four input rows are
 * folded per pass to cut the loads and stores of {@code y}; the outputs are taken in blocks whose
 * {@code y} for every batch row stays in cache while all batch rows share each block of weights.
 * Inputs that are zero are skipped, which makes the 12544-wide spatial layer cheap for masks
 * covering a small part of the image.
 */
public final class Linear {

    /** Input rows folded into one pass over {@code y}. */
    private static final int FOLD = 4;
    /** Output features per block (measured best of 512, 1024 and all at 4096 outputs, batch 16). */
    private static final int BLOCK = 1024;

    private final float[][] weightT;
    private final float[] bias;

    /**
     * @param weightT {@code [in][out]}, the transpose of PyTorch's {@code [out, in]}
     * @param bias    {@code out} values
     */
    public Linear(float[][] weightT, float[] bias) {
        for (float[] row : weightT) {
            if (row.length != bias.length) {
                throw new IllegalArgumentException("Linear weight rows must have " + bias.length + " outputs, got " + row.length);
            }
        }
        this.weightT = weightT;
        this.bias = bias;
    }

    /**
     * Loads {@code prefix.weight} {@code [out, in]} and {@code prefix.bias} {@code [out]} (any
     * float type, converted to float32) and transposes the weight once.
     */
    public static Linear load(TensorStore store, String prefix) {
        Tensor weight = store.get(prefix + ".weight");
        Tensor bias = store.get(prefix + ".bias");
        long[] ws = weight.shape();
        if (ws.length != 2 || bias.shape().length != 1 || bias.shape()[0] != ws[0]) {
            throw OspreyException.badCheckpoint(prefix + ": weight " + Shape.toString(ws) + " and bias " + Shape.toString(bias.shape())
                    + " are not a Linear layer ([out, in] and [out])");
        }
        int out = Math.toIntExact(ws[0]);
        int in = Math.toIntExact(ws[1]);
        float[] w = weight.toFloats();
        float[][] wt = new float[in][out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                wt[i][o] = w[o * in + i];
            }
        }
        return new Linear(wt, bias.toFloats());
    }

    /** Input features. */
    public int in() {
        return weightT.length;
    }

    /** Output features. */
    public int out() {
        return bias.length;
    }

    /** {@code y[r] = x[r] W^T + b} for every row {@code r}. */
    public float[][] forward(float[][] x) {
        int in = in();
        int out = out();
        float[][] y = new float[x.length][];
        for (int r = 0; r < x.length; r++) {
            if (x[r].length != in) {
                throw new IllegalArgumentException("row " + r + " has " + x[r].length + " features, expected " + in);
            }
            y[r] = bias.clone();
        }
        for (int o0 = 0; o0 < out; o0 += BLOCK) {
            int o1 = Math.min(out, o0 + BLOCK);
            int i = 0;
            for (; i + FOLD <= in; i += FOLD) {
                float[] w0 = weightT[i];
                float[] w1 = weightT[i + 1];
                float[] w2 = weightT[i + 2];
                float[] w3 = weightT[i + 3];
                for (int r = 0; r < x.length; r++) {
                    float[] xr = x[r];
                    float a0 = xr[i];
                    float a1 = xr[i + 1];
                    float a2 = xr[i + 2];
                    float a3 = xr[i + 3];
                    if (a0 != 0 || a1 != 0 || a2 != 0 || a3 != 0) {
                        axpy4(y[r], o0, o1, a0, a1, a2, a3, w0, w1, w2, w3);
                    }
                }
            }
            for (; i < in; i++) {
                for (int r = 0; r < x.length; r++) {
                    float a = x[r][i];
                    if (a != 0) {
                        axpy1(y[r], o0, o1, a, weightT[i]);
                    }
                }
            }
        }
        return y;
    }

    /** {@link #forward} followed by ReLU, in place. */
    public float[][] forwardRelu(float[][] x) {
        float[][] y = forward(x);
        for (float[] row : y) {
            for (int o = 0; o < row.length; o++) {
                row[o] = Math.max(row[o], 0f);
            }
        }
        return y;
    }

    private static void axpy4(float[] y, int o0, int o1, float a0, float a1, float a2, float a3,
            float[] w0, float[] w1, float[] w2, float[] w3) {
        for (int o = o0; o < o1; o++) {
            y[o] += a0 * w0[o] + a1 * w1[o] + a2 * w2[o] + a3 * w3[o];
        }
    }

    private static void axpy1(float[] y, int o0, int o1, float a, float[] w) {
        for (int o = o0; o < o1; o++) {
            y[o] += a * w[o];
        }
    }
}
