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
 * are indexed with different offsets, as slices of one flat array would be). Four input features
 * are folded per pass (fused multiply-adds) to cut the loads and stores of {@code y}, two batch rows
 * share each weight load (more rows per loop stop it vectorising), and the outputs are taken in
 * blocks whose {@code y} for every batch row stays in cache while all rows use a block of weights.
 * Inputs that are zero are skipped, which makes the 12544-wide spatial layer cheap for masks
 * covering a small part of the image. One or two rows (one region's call) drop every zero input
 * first ({@link NonZeroInputs}: a ReLU'd hidden row is half zeros) and take all outputs at once.
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
        if (x.length <= 2) {
            forwardSparse(x, y);
            return y;
        }
        for (int o0 = 0; o0 < out; o0 += BLOCK) {
            int o1 = Math.min(out, o0 + BLOCK);
            int i = 0;
            for (; i + FOLD <= in; i += FOLD) {
                float[] w0 = weightT[i];
                float[] w1 = weightT[i + 1];
                float[] w2 = weightT[i + 2];
                float[] w3 = weightT[i + 3];
                for (int r = 0; r < x.length; r += 2) {
                    boolean first = anyNonZero(x[r], i);
                    boolean second = r + 1 < x.length && anyNonZero(x[r + 1], i);
                    if (first && second) {
                        fold2(y[r], y[r + 1], o0, o1, x[r], x[r + 1], i, w0, w1, w2, w3);
                    } else if (first || second) {
                        int one = first ? r : r + 1;
                        fold1(y[one], o0, o1, x[one], i, w0, w1, w2, w3);
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

    /**
     * One or two rows, which read the weights once: only the weight rows of their non-zero inputs,
     * each streamed whole (long contiguous reads are what one row's call is bound by).
     */
    private void forwardSparse(float[][] x, float[][] y) {
        NonZeroInputs inputs = NonZeroInputs.of(x);
        int[] index = inputs.index();
        float[][] v = inputs.values();
        int n = inputs.count();
        int out = out();
        int k = 0;
        for (; k + FOLD <= n; k += FOLD) {
            float[] w0 = weightT[index[k]];
            float[] w1 = weightT[index[k + 1]];
            float[] w2 = weightT[index[k + 2]];
            float[] w3 = weightT[index[k + 3]];
            if (x.length == 2) {
                fold2(y[0], y[1], 0, out, v[0], v[1], k, w0, w1, w2, w3);
            } else {
                fold1(y[0], 0, out, v[0], k, w0, w1, w2, w3);
            }
        }
        for (; k < n; k++) {
            for (int r = 0; r < x.length; r++) {
                axpy1(y[r], 0, out, v[r][k], weightT[index[k]]);
            }
        }
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

    private static boolean anyNonZero(float[] x, int i) {
        return x[i] != 0 || x[i + 1] != 0 || x[i + 2] != 0 || x[i + 3] != 0;
    }

    /** {@code y[o] += Σ_j x[i+j] w_j[o]} for two batch rows sharing each weight load. */
    private static void fold2(float[] y, float[] z, int o0, int o1, float[] x, float[] u, int i,
            float[] w0, float[] w1, float[] w2, float[] w3) {
        float a0 = x[i];
        float a1 = x[i + 1];
        float a2 = x[i + 2];
        float a3 = x[i + 3];
        float b0 = u[i];
        float b1 = u[i + 1];
        float b2 = u[i + 2];
        float b3 = u[i + 3];
        for (int o = o0; o < o1; o++) {
            float v0 = w0[o];
            float v1 = w1[o];
            float v2 = w2[o];
            float v3 = w3[o];
            y[o] = Math.fma(a3, v3, Math.fma(a2, v2, Math.fma(a1, v1, Math.fma(a0, v0, y[o]))));
            z[o] = Math.fma(b3, v3, Math.fma(b2, v2, Math.fma(b1, v1, Math.fma(b0, v0, z[o]))));
        }
    }

    /** {@code y[o] += Σ_j x[i+j] w_j[o]} for one batch row. */
    private static void fold1(float[] y, int o0, int o1, float[] x, int i, float[] w0, float[] w1, float[] w2, float[] w3) {
        float a0 = x[i];
        float a1 = x[i + 1];
        float a2 = x[i + 2];
        float a3 = x[i + 3];
        for (int o = o0; o < o1; o++) {
            y[o] = Math.fma(a3, w3[o], Math.fma(a2, w2[o], Math.fma(a1, w1[o], Math.fma(a0, w0[o], y[o]))));
        }
    }

    private static void axpy1(float[] y, int o0, int o1, float a, float[] w) {
        for (int o = o0; o < o1; o++) {
            y[o] = Math.fma(a, w[o], y[o]);
        }
    }
}
