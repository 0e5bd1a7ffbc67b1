package dev.osprey.model.region;

import java.util.Arrays;

/**
 * The inputs of one or two batch rows that {@link Linear} has to multiply: the positions where
 * either row is non-zero, in order, with both rows' values there. Masks cover a small part of the
 * 12544-wide spatial input and ReLU zeroes about half of every hidden row, so a layer then reads
 * only the weight rows it needs.
 *
 * @param index  input positions, ascending; {@code count} of them are used
 * @param first  the first row's values at {@code index}
 * @param second the second row's values at {@code index}, or {@code null} for a single row
 * @param count  the number of positions
 */
record NonZeroInputs(int[] index, float[] first, float[] second, int count) {

    /** The non-zero inputs of {@code x}, or of {@code x} and {@code u} together when {@code u} is not null. */
    static NonZeroInputs of(float[] x, float[] u) {
        int[] index = new int[x.length];
        float[] first = new float[x.length];
        float[] second = u == null ? null : new float[x.length];
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] != 0 || u != null && u[i] != 0) {
                index[n] = i;
                first[n] = x[i];
                if (second != null) {
                    second[n] = u[i];
                }
                n++;
            }
        }
        return new NonZeroInputs(Arrays.copyOf(index, n), Arrays.copyOf(first, n), second == null ? null : Arrays.copyOf(second, n), n);
    }
}
