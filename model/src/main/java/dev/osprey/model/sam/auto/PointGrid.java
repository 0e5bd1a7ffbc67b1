package dev.osprey.model.sam.auto;

/**
 * The reference's point grids ({@code build_point_grid}, {@code build_all_layer_point_grids}): n×n
 * points in the unit square at {@code numpy.linspace(1/(2n), 1 - 1/(2n), n)} per axis, x varying
 * fastest, as interleaved {@code x, y} doubles.
 */
final class PointGrid {

    private PointGrid() {
    }

    /** Points per side of the grid of crop layer {@code layer}: {@code int(n / factor**layer)}, as Python computes it. */
    static int pointsPerSide(int pointsPerSide, int layer, int downscaleFactor) {
        return (int) (pointsPerSide / Math.pow(downscaleFactor, layer));
    }

    /** The grid of crop layer {@code layer}. */
    static double[] forLayer(int pointsPerSide, int layer, int downscaleFactor) {
        return square(pointsPerSide(pointsPerSide, layer, downscaleFactor));
    }

    /** {@code build_point_grid(n)}: {@code 2 n²} values {@code x0, y0, x1, y1, ...}. */
    static double[] square(int n) {
        double[] side = linspace(1.0 / (2 * n), 1 - 1.0 / (2 * n), n);
        double[] points = new double[2 * n * n];
        for (int row = 0; row < n; row++) {
            for (int col = 0; col < n; col++) {
                points[2 * (row * n + col)] = side[col];
                points[2 * (row * n + col) + 1] = side[row];
            }
        }
        return points;
    }

    /** {@code numpy.linspace(start, stop, n)}: {@code i * step + start}, the last value exactly {@code stop}. */
    static double[] linspace(double start, double stop, int n) {
        double[] values = new double[n];
        double step = (stop - start) / (n - 1);
        for (int i = 0; i < n; i++) {
            values[i] = n == 1 ? start : i * step + start;
        }
        if (n > 1) {
            values[n - 1] = stop;
        }
        return values;
    }
}
