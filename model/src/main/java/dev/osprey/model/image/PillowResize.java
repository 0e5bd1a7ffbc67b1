package dev.osprey.model.image;

import java.util.Arrays;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} (spec §1.4, step 1) and {@code Image.BILINEAR}
 * (SAM's ResizeLongestSide) for 8-bit RGB, bit for bit.
 *
 * <p>The algorithm, as Pillow's {@code libImaging/Resample.c} documents and implements it: separable,
 * a horizontal pass into an 8-bit intermediate image, then a vertical pass; a pass whose size does not
 * change is skipped (so an unchanged size returns the input). Per axis, with
 * {@code scale = in / out} and {@code filterScale = max(scale, 1)} (widening the kernel on downscale
 * is the antialiasing), {@code support = filter support * filterScale} (bicubic 2, bilinear 1); output pixel {@code i} has
 * {@code center = (i + 0.5) * scale}, reads input pixels {@code [xmin, xmin + n)} with
 * {@code xmin = max((int) (center - support + 0.5), 0)} and
 * {@code n = min((int) (center + support + 0.5), in) - xmin}, weighted by the cubic convolution
 * kernel with {@code a = -0.5} at {@code (x + xmin - center + 0.5) / filterScale}, normalised to sum 1,
 * then rounded half away from zero to fixed point with 22 fraction bits ({@code 32 - 8 - 2}: 8 bits of
 * sample and 2 of headroom for the kernel's negative lobes). A pixel is
 * {@code clamp((2^21 + Σ sample * weight) >> 22, 0, 255)}.
 *
 * <p>Stateless and thread-safe.
 */
public final class PillowResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    /** Pillow's resampling filters that we reproduce: kernel support and kernel function. */
    public enum Filter {
        /** {@code Image.BICUBIC}: cubic convolution, a = -0.5, support 2. */
        BICUBIC(2.0),
        /** {@code Image.BILINEAR}: the triangle 1 - |x|, support 1. */
        BILINEAR(1.0);

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        private double kernel(double x) {
            return this == BICUBIC ? cubic(x) : triangle(x);
        }
    }

    /**
     * The fixed-point weights of one axis: output pixel {@code i} reads {@code count[i]} input pixels
     * from {@code first[i]} with {@code weights[i * taps + k]}.
     */
    private record Axis(int[] first, int[] count, int[] weights, int taps) {

        static Axis of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int taps = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            int[] weights = new int[outSize * taps];
            double[] k = new double[taps];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                double inverseScale = 1.0 / filterScale;
                // (int) truncates toward zero, as C's cast does: Pillow's "round" of the bounds.
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int n = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double sum = 0.0;
                for (int x = 0; x < n; x++) {
                    k[x] = filter.kernel((x + xmin - center + 0.5) * inverseScale);
                    sum += k[x];
                }
                for (int x = 0; x < n; x++) {
                    double w = sum != 0.0 ? k[x] / sum : k[x];
                    weights[i * taps + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
                }
                first[i] = xmin;
                count[i] = n;
            }
            return new Axis(first, count, weights, taps);
        }
    }

    private PillowResize() {
    }

    /** Resizes {@code image} to {@code width x height} with Pillow's BICUBIC filter. */
    public static RgbImage resize(RgbImage image, int width, int height) {
        return resize(image, width, height, Filter.BICUBIC);
    }

    /** Resizes {@code image} to {@code width x height} with one of Pillow's filters. */
    public static RgbImage resize(RgbImage image, int width, int height, Filter filter) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        RgbImage out = image;
        if (width != out.width()) {
            out = horizontal(out, Axis.of(out.width(), width, filter));
        }
        if (height != out.height()) {
            out = vertical(out, Axis.of(out.height(), height, filter));
        }
        return out;
    }

    /** Cubic convolution kernel, a = -0.5, written in Pillow's operation order (bit-exact doubles). */
    private static double cubic(double x) {
        double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Pillow's bilinear kernel. */
    private static double triangle(double x) {
        double a = x < 0.0 ? -x : x;
        return a < 1.0 ? 1.0 - a : 0.0;
    }

    private static RgbImage horizontal(RgbImage in, Axis axis) {
        int inWidth = in.width();
        int outWidth = axis.first.length;
        int height = in.height();
        byte[] src = in.rgb();
        byte[] dst = new byte[outWidth * height * 3];
        for (int y = 0; y < height; y++) {
            int rowStart = y * inWidth;
            int o = y * outWidth * 3;
            for (int x = 0; x < outWidth; x++) {
                int r = HALF;
                int g = HALF;
                int b = HALF;
                int p = (rowStart + axis.first[x]) * 3;
                int w = x * axis.taps;
                for (int k = 0, n = axis.count[x]; k < n; k++, p += 3) {
                    int weight = axis.weights[w + k];
                    r += (src[p] & 0xFF) * weight;
                    g += (src[p + 1] & 0xFF) * weight;
                    b += (src[p + 2] & 0xFF) * weight;
                }
                dst[o++] = clip8(r);
                dst[o++] = clip8(g);
                dst[o++] = clip8(b);
            }
        }
        return new RgbImage(outWidth, height, dst);
    }

    private static RgbImage vertical(RgbImage in, Axis axis) {
        int rowBytes = in.width() * 3;
        int outHeight = axis.first.length;
        byte[] src = in.rgb();
        byte[] dst = new byte[rowBytes * outHeight];
        int[] sums = new int[rowBytes];
        for (int y = 0; y < outHeight; y++) {
            Arrays.fill(sums, HALF);
            // Row by row instead of Pillow's pixel by pixel: integer sums do not depend on the order.
            for (int k = 0, n = axis.count[y]; k < n; k++) {
                int weight = axis.weights[y * axis.taps + k];
                int p = (axis.first[y] + k) * rowBytes;
                for (int i = 0; i < rowBytes; i++) {
                    sums[i] += (src[p + i] & 0xFF) * weight;
                }
            }
            int o = y * rowBytes;
            for (int i = 0; i < rowBytes; i++) {
                dst[o + i] = clip8(sums[i]);
            }
        }
        return new RgbImage(in.width(), outHeight, dst);
    }

    private static byte clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
