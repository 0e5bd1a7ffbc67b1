package dev.osprey.model.region;

import dev.osprey.model.checkpoint.TensorStore;

/** The scalar oracle for {@link Linear}: PyTorch's formula read straight off the {@code [out, in]} weight, in double. */
final class NaiveLinear {

    private NaiveLinear() {
    }

    /** {@code prefix.weight x + prefix.bias} for one input row. */
    static float[] apply(TensorStore store, String prefix, float[] x) {
        float[] w = store.floats(prefix + ".weight");
        float[] b = store.floats(prefix + ".bias");
        return apply(w, b, x);
    }

    /** {@code W x + b} with {@code W} as {@code [b.length][x.length]}. */
    static float[] apply(float[] w, float[] b, float[] x) {
        float[] y = new float[b.length];
        for (int o = 0; o < b.length; o++) {
            double s = b[o];
            for (int i = 0; i < x.length; i++) {
                s += (double) w[o * x.length + i] * x[i];
            }
            y[o] = (float) s;
        }
        return y;
    }

    static float[] relu(float[] x) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.max(y[i], 0f);
        }
        return y;
    }
}
