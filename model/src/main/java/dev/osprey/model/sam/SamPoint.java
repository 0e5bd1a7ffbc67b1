package dev.osprey.model.sam;

/**
 * A point prompt in original image pixels (x right, y down).
 *
 * @param label {@link #FOREGROUND} or {@link #BACKGROUND}
 */
public record SamPoint(double x, double y, int label) {

    /** A point on the object. */
    public static final int FOREGROUND = 1;
    /** A point off the object. */
    public static final int BACKGROUND = 0;
}
