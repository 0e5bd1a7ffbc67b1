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

    /** "[2, 3, 4]". */
    public static String toString(long... shape) {
        return Arrays.toString(shape);
    }
}
