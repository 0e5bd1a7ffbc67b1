package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.tensor.ops.BilinearResize;
import java.util.Arrays;

/**
 * A region mask at an image's resolution: one byte per pixel, row-major ({@code y * width + x}),
 * 1 inside and 0 outside.
 *
 * <p>Bytes rather than bits because the extractor samples masks bilinearly row by row, and a
 * byte-to-float loop vectorises where bit unpacking does not. Treat {@code pixels} as read-only:
 * the record does not copy it.
 *
 * @param height rows
 * @param width  columns
 * @param pixels {@code height * width} bytes, each 0 or 1
 */
public record BinaryMask(int height, int width, byte[] pixels) {

    /**
     * The most pixels a mask may have: {@link ImageDecoder#DEFAULT_MAX_PIXELS}, 50 megapixels, since
     * a mask has its image's size (an image decoded with a higher limit cannot have masks). Every
     * decoder checks the size a file claims against it before allocating the mask.
     */
    public static final long MAX_PIXELS = ImageDecoder.DEFAULT_MAX_PIXELS;

    public BinaryMask {
        requireValidSize(height, width);
        if (pixels.length != height * width) {
            throw new IllegalArgumentException("a " + width + "x" + height + " mask needs " + height * width + " pixels, got " + pixels.length);
        }
        int stray = 0;
        for (byte p : pixels) {
            stray |= p & ~1;
        }
        if (stray != 0) {
            throw new IllegalArgumentException("mask pixels must be 0 or 1");
        }
    }

    /** A mask with no pixel inside; the size is checked before the pixels are allocated. */
    public static BinaryMask empty(int height, int width) {
        requireValidSize(height, width);
        return new BinaryMask(height, width, new byte[height * width]);
    }

    /**
     * Fails with {@code BAD_INPUT} unless {@code height x width} is a positive size of at most
     * {@link #MAX_PIXELS} pixels; decoders call it on the size a file claims, before any work.
     */
    public static void requireValidSize(int height, int width) {
        if (height <= 0 || width <= 0) {
            throw OspreyException.badInput("a mask needs a positive size, got " + width + "x" + height);
        }
        long pixels = (long) height * width;
        if (pixels > MAX_PIXELS) {
            throw OspreyException.badInput("a " + width + "x" + height + " mask has " + pixels + " pixels, the limit is "
                    + MAX_PIXELS + " (" + MAX_PIXELS / 1_000_000 + " megapixels, as for images)");
        }
    }

    /** Whether the pixel at column {@code x}, row {@code y} is inside. */
    public boolean get(int y, int x) {
        return pixels[y * width + x] != 0;
    }

    /** Number of pixels inside (pycocotools' {@code area}). */
    public long area() {
        long area = 0;
        for (byte p : pixels) {
            area += p;
        }
        return area;
    }

    /**
     * The tight box {@code [x, y, width, height]} around the inside pixels, all zero for an empty
     * mask: what pycocotools' {@code toBbox} computes from the RLE (a run that wraps into the next
     * column touches the first and the last row, so its column span covers the full height too).
     */
    public double[] bbox() {
        int x0 = width;
        int y0 = height;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                if (pixels[row + x] != 0) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = y;
                }
            }
        }
        if (x1 < 0) {
            return new double[4];
        }
        return new double[] {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    }

    /** The pixels inside this mask or the other one (pycocotools' {@code merge}). */
    public BinaryMask union(BinaryMask other) {
        if (other.height != height || other.width != width) {
            throw new IllegalArgumentException("cannot merge a " + size() + " mask with a " + other.size() + " mask");
        }
        byte[] merged = new byte[pixels.length];
        for (int i = 0; i < merged.length; i++) {
            merged[i] = (byte) (pixels[i] | other.pixels[i]);
        }
        return new BinaryMask(height, width, merged);
    }

    /** The mask as float32 0/1 values, row-major: the {@code mask.float()} of spec §3. */
    public float[] toFloats() {
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = pixels[i];
        }
        return out;
    }

    /**
     * The mask as floats resized to {@code height x width} with PyTorch's bilinear
     * {@code align_corners=False} (spec §3); not resampled at all when the size is already that.
     */
    public float[] resized(int height, int width) {
        return height == this.height && width == this.width
                ? toFloats()
                : BilinearResize.resizeMask(pixels, this.height, this.width, height, width);
    }

    /** "640x480" (width x height), the way error messages name sizes. */
    public String size() {
        return width + "x" + height;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryMask m && m.height == height && m.width == width && Arrays.equals(m.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "BinaryMask[" + size() + ", area " + area() + "]";
    }
}
