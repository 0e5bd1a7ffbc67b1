package dev.osprey.model.tensor;

import java.util.Arrays;

/** Helpers for shapes given as {@code long[]} (row-major, outermost first). */
public final class Shape {

    private Shape() {
    }

    /** Number of elements. */
    public static long numel(long... shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * The bytes of a tensor of this shape with {@code elementBytes}-byte elements, or -1 when a
     * dimension is negative or the size does not fit a long: the check for a shape read from a file.
     */
    public static long byteSize(long[] shape, int elementBytes) {
        long bytes = elementBytes;
        for (long d : shape) {
            if (d < 0 || (d > 0 && bytes > Long.MAX_VALUE / d)) {
                return -1;
            }
            bytes *= d;
        }
        return bytes;
    }

    /** The strides, in elements, of a dense row-major tensor of this shape ([2, 3, 4] gives [12, 4, 1]). */
    public static long[] contiguousStrides(long... shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= shape[i];
        }
        return stride;
    }

    /** "[2, 3, 4]". */
    public static String toString(long... shape) {
        return Arrays.toString(shape);
    }
}
