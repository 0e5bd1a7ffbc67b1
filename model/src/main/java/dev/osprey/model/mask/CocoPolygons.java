package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;
import java.util.Arrays;
import java.util.List;

/**
 * COCO polygon rasterisation, pixel for pixel what pycocotools' {@code frPyObjects(seg, h, w)}
 * followed by {@code merge} produces (the union of the polygons).
 *
 * <p>pycocotools' method: scale the vertices by 5 and round each (C truncation of
 * {@code 5v + 0.5}, so negative values round towards zero); walk every edge one upsampled unit at a
 * time along its longer axis; wherever the walk crosses into another upsampled column that is the
 * centre of a real pixel column, the boundary enters or leaves that column at the row
 * {@code ceil((min(v) + 0.5) / 5 - 0.5)}, clamped to {@code [0, h]}; sorting these column-major
 * positions gives the RLE, each boundary toggling inside/outside.
 */
public final class CocoPolygons {

    private static final double SCALE = 5;
    /** Coordinates further out than this many image sizes are refused (they only cost memory). */
    private static final int FAR_OUTSIDE = 10;
    /**
     * And beyond this whatever the image: scaled by 5, two coordinates then differ by at most 2e9,
     * so the outline walk's int arithmetic cannot overflow (on a 1x50,000,000 mask it did).
     */
    private static final double MAX_COORDINATE = 2e8;
    /** Bounds the outline walk's memory (8 bytes a point); a 4000x3000 image's border is 70,000. */
    private static final long MAX_OUTLINE_POINTS = 1 << 23;

    private CocoPolygons() {
    }

    /**
     * The union of polygons {@code [x0, y0, x1, y1, ...]} on a {@code height x width} image;
     * fails with {@code BAD_INPUT} when the size is not {@linkplain BinaryMask#requireValidSize valid},
     * or naming the polygon when one has fewer than three points, an odd number of coordinates, or
     * a coordinate that is not finite or lies far outside the image.
     */
    public static BinaryMask rasterize(List<double[]> polygons, int height, int width) {
        if (polygons.isEmpty()) {
            throw OspreyException.badInput("no polygons (need at least one [x0, y0, x1, y1, x2, y2, ...])");
        }
        BinaryMask union = null;
        for (int i = 0; i < polygons.size(); i++) {
            double[] xy = polygons.get(i);
            BinaryMask mask = CocoRle.fromCounts(height, width, polygonCounts(xy, height, width, "polygon " + i));
            union = union == null ? mask : union.union(mask);
        }
        return union;
    }

    /**
     * The RLE counts pycocotools makes for one polygon ({@code frPyObjects([xy], h, w)[0]}), with
     * the checks of {@link #rasterize}.
     */
    public static int[] polygonCounts(double[] xy, int height, int width) {
        return polygonCounts(xy, height, width, "polygon");
    }

    /** {@link #polygonCounts(double[], int, int)} naming the polygon {@code what} in errors. */
    static int[] polygonCounts(double[] xy, int height, int width, String what) {
        BinaryMask.requireValidSize(height, width);
        if (xy.length < 6 || xy.length % 2 != 0) {
            throw OspreyException.badInput(what + " has " + xy.length + " coordinates (needs an even number ≥ 6)");
        }
        double limit = Math.min((double) FAR_OUTSIDE * Math.max(height, width), MAX_COORDINATE);
        for (int j = 0; j < xy.length; j++) {
            if (!Double.isFinite(xy[j]) || Math.abs(xy[j]) > limit) {
                throw OspreyException.badInput(what + " has coordinate " + xy[j] + " at index " + j
                        + ", outside ±" + (long) limit + " for a " + width + "x" + height + " image");
            }
        }
        return runsFromBoundaries(columnBoundaries(xy, height, width, what), height * width);
    }

    /** Column-major positions where the outline enters or leaves a pixel column (unsorted). */
    private static int[] columnBoundaries(double[] xy, int height, int width, String what) {
        int k = xy.length / 2;
        int[] x = new int[k + 1];
        int[] y = new int[k + 1];
        for (int j = 0; j < k; j++) {
            x[j] = (int) (SCALE * xy[2 * j] + 0.5);
            y[j] = (int) (SCALE * xy[2 * j + 1] + 0.5);
        }
        x[k] = x[0];
        y[k] = y[0];

        long points = 0;
        for (int j = 0; j < k; j++) {
            points += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
        }
        if (points > MAX_OUTLINE_POINTS) {
            throw OspreyException.badInput(what + "'s outline is too long (" + points + " steps of 1/5 pixel, at most "
                    + MAX_OUTLINE_POINTS + "): are its coordinates pixels of this image?");
        }
        int[] u = new int[(int) points];
        int[] v = new int[(int) points];
        int m = 0;
        for (int j = 0; j < k; j++) {
            m = walkEdge(x[j], y[j], x[j + 1], y[j + 1], u, v, m);
        }

        int[] positions = new int[m];
        int n = 0;
        for (int j = 1; j < m; j++) {
            if (u[j] == u[j - 1]) {
                continue;
            }
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + 0.5) / SCALE - 0.5;
            if (Math.floor(xd) != xd || xd < 0 || xd > width - 1) {
                continue;
            }
            double yd = Math.min(v[j], v[j - 1]);
            yd = (yd + 0.5) / SCALE - 0.5;
            yd = Math.ceil(Math.clamp(yd, 0, height));
            positions[n++] = (int) xd * height + (int) yd;
        }
        return Arrays.copyOf(positions, n);
    }

    /**
     * Appends the upsampled points of the edge (xs, ys) to (xe, ye), both ends included, stepping
     * one unit along the longer axis; returns the new point count. The edge is always stepped from
     * its lower end so that rounding does not depend on its direction, but points are stored in
     * the edge's own order.
     */
    private static int walkEdge(int xs, int ys, int xe, int ye, int[] u, int[] v, int m) {
        int dx = Math.abs(xe - xs);
        int dy = Math.abs(ys - ye);
        boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
        if (flip) {
            int t = xs;
            xs = xe;
            xe = t;
            t = ys;
            ys = ye;
            ye = t;
        }
        // dx == 0 == dy is a zero-length edge: its single point equals its neighbours and is never used
        return dx >= dy ? walkAxis(xs, ys, ye, dx, flip, u, v, m) : walkAxis(ys, xs, xe, dy, flip, v, u, m);
    }

    /** Steps {@code steps} units along the major axis from {@code major}, rounding the minor one. */
    private static int walkAxis(int major, int minorStart, int minorEnd, int steps, boolean flip, int[] majors, int[] minors, int m) {
        double slope = (double) (minorEnd - minorStart) / steps;
        for (int d = 0; d <= steps; d++) {
            int t = flip ? steps - d : d;
            majors[m] = t + major;
            minors[m] = (int) (minorStart + slope * t + 0.5);
            m++;
        }
        return m;
    }

    /**
     * Sorted boundary positions to run lengths: each position toggles inside/outside, so two
     * toggles at one position cancel (a zero-length run is folded into the run before it).
     */
    private static int[] runsFromBoundaries(int[] positions, int total) {
        int[] sorted = Arrays.copyOf(positions, positions.length + 1);
        sorted[positions.length] = total;
        Arrays.sort(sorted);
        int[] deltas = new int[sorted.length];
        int previous = 0;
        for (int j = 0; j < sorted.length; j++) {
            deltas[j] = sorted[j] - previous;
            previous = sorted[j];
        }
        int[] runs = new int[deltas.length];
        int m = 0;
        runs[m++] = deltas[0];
        int j = 1;
        while (j < deltas.length) {
            if (deltas[j] > 0) {
                runs[m++] = deltas[j++];
            } else {
                j++;
                if (j < deltas.length) {
                    runs[m - 1] += deltas[j++];
                }
            }
        }
        return Arrays.copyOf(runs, m);
    }
}
