package dev.osprey.model.sam;

/** A box prompt in original image pixels: top-left {@code (x0, y0)}, bottom-right {@code (x1, y1)}. */
public record SamBox(double x0, double y0, double x1, double y1) {
}
