package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;

/**
 * A COCO box {@code [x, y, width, height]} rasterised as pycocotools rasterises one: its
 * {@code frPyObjects} turns a 4-number box into the polygon (x, y), (x, y+h), (x+w, y+h), (x+w, y)
 * and rasterises that, so a box with fractional edges covers the pixels whose centres the polygon
 * rule puts inside, not every pixel it touches.
 */
public final class CocoBox {

    private CocoBox() {
    }

    /**
     * The mask of a box on a {@code height x width} image; fails with {@code BAD_INPUT} when the size
     * is not {@linkplain BinaryMask#requireValidSize valid}, or the box has a negative or non-finite
     * value or does not overlap the image.
     */
    public static BinaryMask rasterize(double x, double y, double boxWidth, double boxHeight, int height, int width) {
        BinaryMask.requireValidSize(height, width);
        String box = "box [" + number(x) + ", " + number(y) + ", " + number(boxWidth) + ", " + number(boxHeight) + "]";
        if (!(Double.isFinite(x) && Double.isFinite(y) && Double.isFinite(boxWidth) && Double.isFinite(boxHeight))) {
            throw OspreyException.badInput(box + " has a value that is not a finite number");
        }
        if (boxWidth < 0) {
            throw OspreyException.badInput(box + " has a negative width");
        }
        if (boxHeight < 0) {
            throw OspreyException.badInput(box + " has a negative height");
        }
        if (x >= width || y >= height || x + boxWidth <= 0 || y + boxHeight <= 0) {
            throw OspreyException.badInput(box + " lies outside the " + width + "x" + height + " image");
        }
        double xe = x + boxWidth;
        double ye = y + boxHeight;
        double[] polygon = {x, y, x, ye, xe, ye, xe, y};
        return CocoRle.fromCounts(height, width, CocoPolygons.polygonCounts(polygon, height, width, box));
    }

    /** 10 rather than 10.0, so messages show boxes as the user wrote them. */
    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
