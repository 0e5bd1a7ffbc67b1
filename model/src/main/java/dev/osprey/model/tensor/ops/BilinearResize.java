package dev.osprey.model.tensor.ops;

import java.util.Arrays;

/**
 * PyTorch's {@code F.interpolate(mode='bilinear', align_corners=False)} without antialiasing, on
 * float32 planes: used for the 512x512 stretch of preprocessing (spec §1.4) and for resizing masks
 * to each feature map and to 112x112 (spec §3).
 *
 * <p>Per axis, with {@code scale = in / out} in float32: {@code src = max(fma(scale, dst + 0.5, -0.5), 0)}
 * (one rounding: PyTorch's CPU kernel is compiled with fused multiply-add; two roundings move
 * non-exact scales' coordinates by an ulp, which the SAM golden set's interpolation cases detect),
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
                float src = Math.max(Math.fma(scale, d + 0.5f, -0.5f), 0f);
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
                blendRow(in, inBase + h.i0[y] * inW, in, inBase + h.i1[y] * inW, h.l0[y], h.l1[y], w, 0, outW, out, outBase + y * outW);
            }
        }
        return out;
    }

    /**
     * One plane {@code inH x inW} resized to {@code midH x midW}, its top-left {@code keepH x keepW}
     * corner kept, and that resized to {@code outH x outW}: the values of two {@link #resize} calls with
     * a crop between them. The intermediate is never whole: each of its rows is computed when the second
     * resize first reads it, two kept at a time. For a SAM mask it would be the resized input's size
     * (3 MB of floats at 1024x768), made and dropped for each of the thousands of masks an automatic
     * pass upscales.
     */
    public static float[] resizeCornerThenResize(float[] in, int inH, int inW, int midH, int midW, int keepH, int keepW, int outH, int outW) {
        if (in.length != (long) inH * inW || keepH > midH || keepW > midW) {
            throw new IllegalArgumentException("cannot keep " + keepH + "x" + keepW + " of " + inH + "x" + inW + " resized to " + midH + "x" + midW);
        }
        Axis firstH = Axis.of(inH, midH);
        Axis firstW = Axis.of(inW, midW);
        Axis h = Axis.of(keepH, outH);
        Axis w = Axis.of(keepW, outW);
        float[][] rows = {new float[keepW], new float[keepW]};
        int[] held = {-1, -1};
        float[] out = new float[outH * outW];
        for (int y = 0; y < outH; y++) {
            float[] top = midRow(h.i0[y], h.i1[y], rows, held, in, inW, firstH, firstW);
            float[] bottom = midRow(h.i1[y], h.i0[y], rows, held, in, inW, firstH, firstW);
            blendRow(top, 0, bottom, 0, h.l0[y], h.l1[y], w, 0, outW, out, y * outW);
        }
        return out;
    }

    /** Intermediate row {@code r}, from the two held or computed in place of the one that is not row {@code keep}. */
    private static float[] midRow(int r, int keep, float[][] rows, int[] held, float[] in, int inW, Axis firstH, Axis firstW) {
        for (int k = 0; k < 2; k++) {
            if (held[k] == r) {
                return rows[k];
            }
        }
        int k = held[0] == keep ? 1 : 0;
        blendRow(in, firstH.i0[r] * inW, in, firstH.i1[r] * inW, firstH.l0[r], firstH.l1[r], firstW, 0, rows[k].length, rows[k], 0);
        held[k] = r;
        return rows[k];
    }

    /**
     * Where a plane of 0/1 bytes (a region mask) has its ones: rows {@code top .. bottom - 1}, columns
     * {@code left .. right - 1}; everything outside is 0. Empty when {@code top == bottom}.
     */
    public record Box(int top, int left, int bottom, int right) {

        /** The box of the ones of an {@code height x width} plane. */
        public static Box of(byte[] plane, int height, int width) {
            byte[] emptyRow = new byte[width];
            int top = height;
            int bottom = 0;
            int left = width;
            int right = 0;
            for (int y = 0; y < height; y++) {
                int row = y * width;
                // Arrays.mismatch is a vectorised intrinsic: far cheaper than a loop over the bytes
                int first = Arrays.mismatch(plane, row, row + width, emptyRow, 0, width);
                if (first < 0) {
                    continue;
                }
                top = Math.min(top, y);
                bottom = y + 1;
                left = Math.min(left, first);
                for (int x = width - 1; x >= Math.max(right, first); x--) {
                    if (plane[row + x] != 0) {
                        right = x + 1;
                        break;
                    }
                }
            }
            return top < bottom ? new Box(top, left, bottom, right) : new Box(0, 0, 0, 0);
        }

        private boolean holdsRow(int y) {
            return y >= top && y < bottom;
        }
    }

    /**
     * Resizes one {@code inH x inW} plane of 0/1 bytes (a region mask) to {@code outH x outW}:
     * exactly {@link #resize} of the mask as floats, without building that float plane.
     */
    public static float[] resizeMask(byte[] in, int inH, int inW, int outH, int outW) {
        return resizeMask(in, inH, inW, outH, outW, Box.of(in, inH, inW));
    }

    /**
     * {@link #resizeMask(byte[], int, int, int, int)} given the box of the mask's ones: only the output
     * cells whose sources reach into the box are computed, the others are 0 exactly, so a small mask
     * costs little whatever the image size.
     */
    public static float[] resizeMask(byte[] in, int inH, int inW, int outH, int outW, Box inside) {
        if (in.length != (long) inH * inW) {
            throw new IllegalArgumentException("expected " + inH + "x" + inW + " values, got " + in.length);
        }
        Axis h = Axis.of(inH, outH);
        Axis w = Axis.of(inW, outW);
        float[] out = new float[outH * outW];
        // source columns rise with the output column: the ones reaching the box are a range
        int from = 0;
        while (from < outW && w.i1[from] < inside.left()) {
            from++;
        }
        int to = outW;
        while (to > from && w.i0[to - 1] >= inside.right()) {
            to--;
        }
        if (from == to) {
            return out;
        }
        float[] row0 = new float[inW];
        float[] row1 = new float[inW];
        for (int y = 0; y < outH; y++) {
            int y0 = h.i0[y];
            int y1 = h.i1[y];
            if (inside.holdsRow(y0) || inside.holdsRow(y1)) {
                toFloats(in, y0 * inW, row0, w.i0[from], w.i1[to - 1] + 1);
                toFloats(in, y1 * inW, row1, w.i0[from], w.i1[to - 1] + 1);
                blendRow(row0, 0, row1, 0, h.l0[y], h.l1[y], w, from, to, out, y * outW);
            }
        }
        return out;
    }

    /** Output columns {@code from .. to - 1} of a row from its two source rows: the formula of the class comment. */
    private static void blendRow(float[] top, int topBase, float[] bottom, int bottomBase, float h0, float h1, Axis w,
            int from, int to, float[] out, int outBase) {
        for (int x = from; x < to; x++) {
            int c0 = w.i0[x];
            int c1 = w.i1[x];
            float w0 = w.l0[x];
            float w1 = w.l1[x];
            out[outBase + x] = h0 * (w0 * top[topBase + c0] + w1 * top[topBase + c1])
                    + h1 * (w0 * bottom[bottomBase + c0] + w1 * bottom[bottomBase + c1]);
        }
    }

    /** Columns {@code from .. to - 1} of a byte row as floats. */
    private static void toFloats(byte[] in, int base, float[] row, int from, int to) {
        for (int x = from; x < to; x++) {
            row[x] = in[base + x];
        }
    }
}
