package dev.osprey.model.tensor.ops;

/**
 * PyTorch's {@code F.interpolate(mode='bilinear', align_corners=False)} without antialiasing, on
 * float32 planes: used for the 512x512 stretch of preprocessing (spec §1.4) and for resizing masks
 * to each feature map and to 112x112 (spec §3).
 *
 * <p>Per axis, with {@code scale = in / out} in float32: {@code src = max(scale * (dst + 0.5) - 0.5, 0)},
 * {@code i0 = floor(src)}, {@code i1 = i0 + (i0 < in - 1 ? 1 : 0)}, {@code l1 = src - i0},
 * {@code l0 = 1 - l1}; the value is {@code h0 * (w0 * x00 + w1 * x01) + h1 * (w0 * x10 + w1 * x11)}.
 */
public final class BilinearResize {

    /** Source indices and weights along one axis. */
    private record Axis(int[] i0, int[] i1, float[] l0, float[] l1) {

        static Axis of(int in, int out) {
            float scale = (float) in / out;
            int[] i0 = new int[out];
            int[] i1 = new int[out];
            float[] l0 = new float[out];
            float[] l1 = new float[out];
            for (int d = 0; d < out; d++) {
                float src = Math.max(scale * (d + 0.5f) - 0.5f, 0f);
                int lo = (int) src;
                i0[d] = lo;
                i1[d] = lo + (lo < in - 1 ? 1 : 0);
                l1[d] = src - lo;
                l0[d] = 1f - l1[d];
            }
            return new Axis(i0, i1, l0, l1);
        }
    }

    private BilinearResize() {
    }

    /**
     * Resizes {@code planes} planes of {@code inH x inW} (row-major, plane after plane) to
     * {@code outH x outW}.
     */
    public static float[] resize(float[] in, int planes, int inH, int inW, int outH, int outW) {
        if (in.length != (long) planes * inH * inW) {
            throw new IllegalArgumentException("expected " + planes + "x" + inH + "x" + inW + " values, got " + in.length);
        }
        Axis h = Axis.of(inH, outH);
        Axis w = Axis.of(inW, outW);
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++) {
            int inBase = p * inH * inW;
            int outBase = p * outH * outW;
            for (int y = 0; y < outH; y++) {
                int row0 = inBase + h.i0[y] * inW;
                int row1 = inBase + h.i1[y] * inW;
                float h0 = h.l0[y];
                float h1 = h.l1[y];
                for (int x = 0; x < outW; x++) {
                    int c0 = w.i0[x];
                    int c1 = w.i1[x];
                    float w0 = w.l0[x];
                    float w1 = w.l1[x];
                    out[outBase + y * outW + x] = h0 * (w0 * in[row0 + c0] + w1 * in[row0 + c1])
                            + h1 * (w0 * in[row1 + c0] + w1 * in[row1 + c1]);
                }
            }
        }
        return out;
    }
}
