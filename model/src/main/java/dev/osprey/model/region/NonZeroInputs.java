package dev.osprey.model.region;

import java.util.Arrays;

/**
 * The inputs of one or two rows that {@link Linear} has to multiply: the positions where either row is
 * non-zero, in order, with every row's values there. Masks cover a small part of the 12544-wide
 * spatial input and ReLU zeroes about half of every hidden row, so a layer then reads only the
 * weight rows it needs.
 *
 * @param index  input positions, ascending
 * @param values {@code values[r][k]}: row {@code r} at {@code index[k]}
 */
record NonZeroInputs(int[] index, float[][] values) {

    /** The positions where any row of {@code x} is non-zero. */
    static NonZeroInputs of(float[][] x) {
        int in = x[0].length;
        int[] index = new int[in];
        int n = 0;
        for (int i = 0; i < in; i++) {
            for (float[] row : x) {
                if (row[i] != 0) {
                    index[n++] = i;
                    break;
                }
            }
        }
        index = Arrays.copyOf(index, n);
        float[][] values = new float[x.length][n];
        for (int r = 0; r < x.length; r++) {
            for (int k = 0; k < n; k++) {
                values[r][k] = x[r][index[k]];
            }
        }
        return new NonZeroInputs(index, values);
    }

    /** The number of positions. */
    int count() {
        return index.length;
    }
}
