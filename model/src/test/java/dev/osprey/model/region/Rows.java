package dev.osprey.model.region;

/** Row-per-array matrices as the flat row-major arrays the golden tensors are. */
final class Rows {

    private Rows() {
    }

    static float[] flat(float[][] rows) {
        int width = rows[0].length;
        float[] flat = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * width, width);
        }
        return flat;
    }
}
