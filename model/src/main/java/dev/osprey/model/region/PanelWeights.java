package dev.osprey.model.region;

import static dev.osprey.model.region.Bfloat16.widen;
import static dev.osprey.model.region.Vectors.FLOATS;
import static dev.osprey.model.region.Vectors.LANES;

import java.util.List;
import jdk.incubator.vector.FloatVector;

/**
 * A Linear's bf16 weight laid out for many regions at once: the outputs are cut into panels of
 * {@link #WIDTH} (four vectors), and a panel holds, input after input, the weights of its outputs
 * ({@code w[p][i][j] = W[p * WIDTH + j][i]}). The kernel keeps a block of {@link #ROWS} regions x
 * one panel in sixteen vector registers while it runs down the inputs, so each weight load feeds
 * four fused multiply-adds and each input broadcast four: compute-bound, where a loop that keeps
 * {@code y} in memory is bound by its loads and stores.
 */
final class PanelWeights {

    /** Regions per block. */
    static final int ROWS = 4;
    /** Outputs per panel. */
    static final int WIDTH = 4 * LANES;

    private final short[] w;
    private final int in;
    private final int panels;

    /**
     * @param weight PyTorch's {@code [out][in]}, row-major
     * @param width  outputs rounded up to a multiple of {@link #WIDTH}; the padding's weights are 0
     */
    PanelWeights(short[] weight, int out, int in, int width) {
        this.in = in;
        this.panels = width / WIDTH;
        this.w = new short[width * in];
        for (int o = 0; o < out; o++) {
            int panel = o / WIDTH * in * WIDTH + o % WIDTH;
            for (int i = 0; i < in; i++) {
                w[panel + i * WIDTH] = weight[o * in + i];
            }
        }
    }

    /**
     * {@code y[r] += x[r] W^T} for the blocks of rows {@code blocks} hold: block {@code b} is rows
     * {@code b * ROWS ..} of {@code y}, which has a row for each (padding rows included).
     */
    void accumulate(List<NonZeroInputs> blocks, float[][] y) {
        // panels outside: a panel's weights stay in cache while every block reads them
        for (int p = 0; p < panels; p++) {
            for (int b = 0; b < blocks.size(); b++) {
                int r = b * ROWS;
                block(p, blocks.get(b), y[r], y[r + 1], y[r + 2], y[r + 3]);
            }
        }
    }

    /** One block of four rows x panel {@code p}; the accumulators start from {@code y} and end there. */
    private void block(int p, NonZeroInputs x, float[] y0, float[] y1, float[] y2, float[] y3) {
        int o0 = p * WIDTH;
        int o1 = o0 + LANES;
        int o2 = o1 + LANES;
        int o3 = o2 + LANES;
        FloatVector a00 = FloatVector.fromArray(FLOATS, y0, o0);
        FloatVector a01 = FloatVector.fromArray(FLOATS, y0, o1);
        FloatVector a02 = FloatVector.fromArray(FLOATS, y0, o2);
        FloatVector a03 = FloatVector.fromArray(FLOATS, y0, o3);
        FloatVector a10 = FloatVector.fromArray(FLOATS, y1, o0);
        FloatVector a11 = FloatVector.fromArray(FLOATS, y1, o1);
        FloatVector a12 = FloatVector.fromArray(FLOATS, y1, o2);
        FloatVector a13 = FloatVector.fromArray(FLOATS, y1, o3);
        FloatVector a20 = FloatVector.fromArray(FLOATS, y2, o0);
        FloatVector a21 = FloatVector.fromArray(FLOATS, y2, o1);
        FloatVector a22 = FloatVector.fromArray(FLOATS, y2, o2);
        FloatVector a23 = FloatVector.fromArray(FLOATS, y2, o3);
        FloatVector a30 = FloatVector.fromArray(FLOATS, y3, o0);
        FloatVector a31 = FloatVector.fromArray(FLOATS, y3, o1);
        FloatVector a32 = FloatVector.fromArray(FLOATS, y3, o2);
        FloatVector a33 = FloatVector.fromArray(FLOATS, y3, o3);
        int[] index = x.index();
        float[] v0 = x.values()[0];
        float[] v1 = x.values()[1];
        float[] v2 = x.values()[2];
        float[] v3 = x.values()[3];
        int base = p * in * WIDTH;
        for (int k = 0; k < index.length; k++) {
            int at = base + index[k] * WIDTH;
            FloatVector w0 = widen(w, at);
            FloatVector w1 = widen(w, at + LANES);
            FloatVector w2 = widen(w, at + 2 * LANES);
            FloatVector w3 = widen(w, at + 3 * LANES);
            FloatVector x0 = FloatVector.broadcast(FLOATS, v0[k]);
            a00 = w0.fma(x0, a00);
            a01 = w1.fma(x0, a01);
            a02 = w2.fma(x0, a02);
            a03 = w3.fma(x0, a03);
            FloatVector x1 = FloatVector.broadcast(FLOATS, v1[k]);
            a10 = w0.fma(x1, a10);
            a11 = w1.fma(x1, a11);
            a12 = w2.fma(x1, a12);
            a13 = w3.fma(x1, a13);
            FloatVector x2 = FloatVector.broadcast(FLOATS, v2[k]);
            a20 = w0.fma(x2, a20);
            a21 = w1.fma(x2, a21);
            a22 = w2.fma(x2, a22);
            a23 = w3.fma(x2, a23);
            FloatVector x3 = FloatVector.broadcast(FLOATS, v3[k]);
            a30 = w0.fma(x3, a30);
            a31 = w1.fma(x3, a31);
            a32 = w2.fma(x3, a32);
            a33 = w3.fma(x3, a33);
        }
        a00.intoArray(y0, o0);
        a01.intoArray(y0, o1);
        a02.intoArray(y0, o2);
        a03.intoArray(y0, o3);
        a10.intoArray(y1, o0);
        a11.intoArray(y1, o1);
        a12.intoArray(y1, o2);
        a13.intoArray(y1, o3);
        a20.intoArray(y2, o0);
        a21.intoArray(y2, o1);
        a22.intoArray(y2, o2);
        a23.intoArray(y2, o3);
        a30.intoArray(y3, o0);
        a31.intoArray(y3, o1);
        a32.intoArray(y3, o2);
        a33.intoArray(y3, o3);
    }
}
