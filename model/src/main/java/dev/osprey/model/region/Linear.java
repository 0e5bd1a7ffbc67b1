package dev.osprey.model.region;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;

/**
 * A PyTorch {@code nn.Linear} ({@code y = x W^T + b}) in float32, for a batch of rows at once.
 *
 * <p>The weight is kept transposed, {@code [in][out]}, so the inner loop runs over contiguous
 * output features ({@code y[o] += x[i] * w[i][o]}), which the JIT turns into SIMD code; four input
 * rows are folded per pass to cut the loads and stores of {@code y}, and all batch rows share each
 * pass over a block of weights while it is in cache. Inputs that are zero are skipped, which makes
 * the 12544-wide spatial layer cheap for masks covering a small part of the image.
 */
public final class Linear {

    /** Input rows folded into one pass over {@code y}. */
    private static final int FOLD = 4;

    private final int in;
    private final int out;
    private final float[] weightT;
    private final float[] bias;

    /**
     * @param in      input features
     * @param out     output features
     * @param weightT {@code [in][out]} row-major (the transpose of PyTorch's {@code [out, in]})
     * @param bias    {@code out} values
     */
    public Linear(int in, int out, float[] weightT, float[] bias) {
        if (weightT.length != (long) in * out || bias.length != out) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + ") needs " + (long) in * out + " weights and "
                    + out + " biases, got " + weightT.length + " and " + bias.length);
        }
        this.in = in;
        this.out = out;
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
        float[] wt = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                wt[i * out + o] = w[o * in + i];
            }
        }
        return new Linear(in, out, wt, bias.toFloats());
    }

    /** Input features. */
    public int in() {
        return in;
    }

    /** Output features. */
    public int out() {
        return out;
    }

    /** {@code y[rows][out] = x[rows][in] W^T + b}. */
    public float[] forward(float[] x, int rows) {
        if (x.length != (long) rows * in) {
            throw new IllegalArgumentException("expected " + rows + " x " + in + " inputs, got " + x.length);
        }
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(bias, 0, y, r * out, out);
        }
        int i = 0;
        for (; i + FOLD <= in; i += FOLD) {
            for (int r = 0; r < rows; r++) {
                int xr = r * in + i;
                float a0 = x[xr];
                float a1 = x[xr + 1];
                float a2 = x[xr + 2];
                float a3 = x[xr + 3];
                if (a0 != 0 || a1 != 0 || a2 != 0 || a3 != 0) {
                    axpy4(y, r * out, a0, a1, a2, a3, i * out);
                }
            }
        }
        for (; i < in; i++) {
            for (int r = 0; r < rows; r++) {
                float a = x[r * in + i];
                if (a != 0) {
                    axpy1(y, r * out, a, i * out);
                }
            }
        }
        return y;
    }

    /** {@link #forward} followed by ReLU, in place. */
    public float[] forwardRelu(float[] x, int rows) {
        float[] y = forward(x, rows);
        for (int j = 0; j < y.length; j++) {
            y[j] = Math.max(y[j], 0f);
        }
        return y;
    }

    /** {@code y[yOff + o] += a0 w[i][o] + a1 w[i+1][o] + a2 w[i+2][o] + a3 w[i+3][o]}. */
    private void axpy4(float[] y, int yOff, float a0, float a1, float a2, float a3, int w0) {
        float[] w = weightT;
        int w1 = w0 + out;
        int w2 = w1 + out;
        int w3 = w2 + out;
        for (int o = 0; o < out; o++) {
            y[yOff + o] += a0 * w[w0 + o] + a1 * w[w1 + o] + a2 * w[w2 + o] + a3 * w[w3 + o];
        }
    }

    private void axpy1(float[] y, int yOff, float a, int w0) {
        float[] w = weightT;
        for (int o = 0; o < out; o++) {
            y[yOff + o] += a * w[w0 + o];
        }
    }
}
