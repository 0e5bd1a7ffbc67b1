package dev.osprey.model.region;

import java.util.Arrays;

/**
 * The inputs of a block of rows that {@link Linear} has to multiply: the positions where any row of
 * the block is non-zero, in order, with every row's values there. Masks cover a small part of the
 * 12544-wide spatial input and ReLU zeroes about half of every hidden row, so a layer then reads
 * only the weights it needs.
 *
 * <p>The count is padded to a multiple of {@link #MULTIPLE} with position 0 and value 0 (adding
 * nothing), so that the kernels fold inputs without a remainder loop.
 *
 * @param index  input positions, ascending, then the padding
 * @param values {@code values[r][k]}: row {@code r} of the block at {@code index[k]}
 */
record NonZeroInputs(int[] index, float[][] values) {

    /** The count is a multiple of this. */
    static final int MULTIPLE = 4;

    /** The positions where any row of {@code x} is non-zero. */
    static NonZeroInputs of(float[][] x) {
        int in = x[0].length;
        int[] index = new int[in + MULTIPLE];
        int n = 0;
        for (int i = 0; i < in; i++) {
            for (float[] row : x) {
                if (row[i] != 0) {
                    index[n++] = i;
                    break;
                }
            }
        }
        index = Arrays.copyOf(index, padded(n)); // past n still 0: the padding's position
        float[][] values = new float[x.length][index.length];
        for (int r = 0; r < x.length; r++) {
            for (int k = 0; k < n; k++) {
                values[r][k] = x[r][index[k]];
            }
        }
        return new NonZeroInputs(index, values);
    }

    /**
     * Rows {@code first .. first + rows - 1} alone: the positions where one of them is non-zero.
     * Rows past the last count as zero (a block's padding).
     */
    NonZeroInputs block(int first, int rows) {
        int real = Math.min(rows, values.length - first);
        int[] kept = new int[count()];
        int n = 0;
        for (int k = 0; k < kept.length; k++) {
            for (int r = first; r < first + real; r++) {
                if (values[r][k] != 0) {
                    kept[n++] = k;
                    break;
                }
            }
        }
        int[] blockIndex = new int[padded(n)];
        float[][] blockValues = new float[rows][blockIndex.length];
        for (int j = 0; j < n; j++) {
            blockIndex[j] = index[kept[j]];
            for (int r = 0; r < real; r++) {
                blockValues[r][j] = values[first + r][kept[j]];
            }
        }
        return new NonZeroInputs(blockIndex, blockValues);
    }

    /** How many of the row-by-row folds of {@link #MULTIPLE} inputs have a non-zero value: the row kernel's work. */
    long rowFolds() {
        long folds = 0;
        for (float[] v : values) {
            for (int k = 0; k < v.length; k += MULTIPLE) {
                if (anyNonZero(v, k)) {
                    folds++;
                }
            }
        }
        return folds;
    }

    /** Whether a row's fold starting at {@code k} has a non-zero value. */
    static boolean anyNonZero(float[] v, int k) {
        return v[k] != 0 || v[k + 1] != 0 || v[k + 2] != 0 || v[k + 3] != 0;
    }

    private static int padded(int n) {
        return (n + MULTIPLE - 1) / MULTIPLE * MULTIPLE;
    }

    /** The number of positions, padding included. */
    int count() {
        return index.length;
    }
}
