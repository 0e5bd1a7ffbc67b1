package dev.osprey.model.region;

import dev.osprey.model.Golden;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast {@link Linear} kernel against the scalar oracle, on widths that are and are not multiples of its fold. */
class RegionLinearTest {

    @Test
    void sparseAndBlockedForwardEqualTheScalarFormula() {
        Random random = new Random(7);
        // {in, out, rows}: one or two rows take the sparse path, five the blocked one
        int[][] shapes = {{12, 5, 1}, {13, 33, 2}, {3, 1, 5}, {64, 17, 5}, {9, 2500, 2}, {40, 70, 1}};
        for (int[] shape : shapes) {
            int in = shape[0];
            int out = shape[1];
            float[] w = gaussian(random, in * out);
            float[] b = gaussian(random, out);
            float[][] wt = new float[in][out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    wt[i][o] = w[o * in + i];
                }
            }
            Linear linear = new Linear(wt, b);
            float[][] x = new float[shape[2]][];
            for (int r = 0; r < x.length; r++) {
                x[r] = gaussian(random, in);
                for (int i = 0; i < in; i++) {
                    // zero runs of every length, so that skipped and folded inputs mix
                    // and the first shape's last row, alone in its pair, all zero: y is the bias
                    if (random.nextInt(3) == 0 || in == 12 && r == x.length - 1) {
                        x[r][i] = 0;
                    }
                }
            }
            float[][] y = linear.forward(x);
            float[][] relu = linear.forwardRelu(x);
            for (int r = 0; r < x.length; r++) {
                float[] expected = NaiveLinear.apply(w, b, x[r]);
                String name = "Linear(" + in + " -> " + out + ") row " + r;
                Golden.assertClose(name, y[r], expected, 1e-5, 1e-5);
                Golden.assertClose(name + " relu", relu[r], NaiveLinear.relu(expected), 1e-5, 1e-5);
            }
        }
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
