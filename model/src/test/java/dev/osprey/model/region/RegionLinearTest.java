package dev.osprey.model.region;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels of {@link Linear} against the scalar oracle: 1 to 17 rows (the row layout,
 * whole panel blocks and blocks with padding rows), widths that are and are not multiples of the
 * vector lanes and panels, inputs with zeros mixed in, and weights that are and are not bf16.
 */
class RegionLinearTest {

    @Test
    void everyRowCountAndWidthEqualsTheScalarFormula() {
        Random random = new Random(7);
        for (int rows = 1; rows <= 17; rows++) {
            int in = 1 + random.nextInt(90);
            int out = 1 + random.nextInt(3 * PanelWeights.WIDTH);
            check(random, rows, in, out, rows % 2 == 0);
        }
    }

    @Test
    void wideLayersWithSparseInputsEqualTheScalarFormula() {
        Random random = new Random(11);
        // {in, out, rows}: a spatial-like input wider than a panel of a cache, outputs not a whole panel
        int[][] shapes = {{1300, 2 * PanelWeights.WIDTH + 5, 1}, {1300, 70, 9}, {257, 1, 6}, {3, 4100, 2}, {600, 1000, 16}};
        for (int[] shape : shapes) {
            check(random, shape[2], shape[0], shape[1], true);
        }
    }

    @Test
    void allZeroInputsGiveTheBias() {
        float[] bias = {1.5f, -2f, 0.25f};
        Linear linear = new Linear(new float[3 * 5], bias);
        for (int rows : new int[] {1, 7}) {
            float[][] y = linear.forward(new float[rows][5]);
            for (float[] row : y) {
                Golden.assertClose("bias", row, bias, 0, 0);
            }
        }
    }

    /** {@code bf16}: weights that are bf16 values (one part), else any floats (two parts). */
    private static void check(Random random, int rows, int in, int out, boolean bf16) {
        float[] w = gaussian(random, in * out);
        if (bf16) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Bfloat16.toFloat(Bfloat16.round(w[i]));
            }
        }
        float[] b = gaussian(random, out);
        Linear linear = new Linear(w, b);
        float[][] x = new float[rows][];
        for (int r = 0; r < rows; r++) {
            x[r] = gaussian(random, in);
            for (int i = 0; i < in; i++) {
                // zeros alone and in runs, so that skipped and folded inputs mix; the last row all zero
                if (random.nextInt(3) == 0 || r == rows - 1 && rows > 2) {
                    x[r][i] = 0;
                }
            }
        }
        float[][] y = linear.forward(x);
        float[][] relu = linear.forwardRelu(x);
        // float32 sums are off by some ulps of the sum of |products| (1e-6 of it is 16 ulps); two bf16
        // parts keep 16 significant bits, so each product may be off by 2^-17 of itself more
        double slack = bf16 ? 1e-6 : 1e-6 + 0x1p-17;
        float[] magnitude = new float[in * out];
        for (int i = 0; i < magnitude.length; i++) {
            magnitude[i] = Math.abs(w[i]);
        }
        for (int r = 0; r < rows; r++) {
            float[] expected = NaiveLinear.apply(w, b, x[r]);
            float[] absX = new float[in];
            for (int i = 0; i < in; i++) {
                absX[i] = Math.abs(x[r][i]);
            }
            float[] sumOfMagnitudes = NaiveLinear.apply(magnitude, new float[out], absX);
            String name = "Linear(" + in + " -> " + out + ", " + (bf16 ? "bf16" : "fp32") + ") row " + r + " of " + rows;
            for (int o = 0; o < out; o++) {
                double allowed = 1e-6 * (1 + Math.abs(expected[o])) + slack * sumOfMagnitudes[o];
                assertThat((double) Math.abs(y[r][o] - expected[o])).as("%s output %d", name, o).isLessThanOrEqualTo(allowed);
                assertThat(relu[r][o]).as("%s relu %d", name, o).isEqualTo(Math.max(y[r][o], 0f));
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
