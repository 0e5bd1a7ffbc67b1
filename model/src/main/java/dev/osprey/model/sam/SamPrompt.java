package dev.osprey.model.sam;

import dev.osprey.model.error.OspreyException;
import java.util.List;

/**
 * One SAM prompt ({@code SamPredictor.predict} of the reference): points, an optional box and an
 * optional previous low-resolution mask, all in original image pixels except the mask.
 *
 * @param points    point prompts (may be empty when there is a box)
 * @param box       a box prompt, or null
 * @param maskInput raw low-resolution logits of an earlier prediction ({@code low_res_logits[k]},
 *                  [256,256] in the padded 1024 frame), or null
 */
public record SamPrompt(List<SamPoint> points, SamBox box, float[] maskInput) {

    /** The most points one prompt may have (the reference has no limit; clicks never come near it). */
    public static final int MAX_POINTS = 64;

    public SamPrompt {
        points = List.copyOf(points);
    }

    /** Points only. */
    public static SamPrompt of(List<SamPoint> points) {
        return new SamPrompt(points, null, null);
    }

    /** The number of rows the decoder sees: the points plus the padding point (no box) or the two box corners. */
    public int decoderPoints() {
        return points.size() + (box == null ? 1 : 2);
    }

    /**
     * Checks the prompt against an image of {@code width x height}: at least one foreground point or a
     * box, at most {@link #MAX_POINTS} points, labels 0 or 1, points inside the image, a box with
     * ordered corners inside the image.
     *
     * @throws OspreyException {@code BAD_INPUT} naming the first problem
     */
    public void validate(int width, int height) {
        if (points.size() > MAX_POINTS) {
            throw OspreyException.badInput("a SAM prompt has at most " + MAX_POINTS + " points, got " + points.size());
        }
        boolean foreground = false;
        for (int i = 0; i < points.size(); i++) {
            SamPoint p = points.get(i);
            if (p.label() != SamPoint.FOREGROUND && p.label() != SamPoint.BACKGROUND) {
                throw OspreyException.badInput("point " + i + " has label " + p.label() + "; use 1 (foreground) or 0 (background)");
            }
            if (!(p.x() >= 0 && p.x() < width && p.y() >= 0 && p.y() < height)) {
                throw OspreyException.badInput("point " + i + " (" + p.x() + ", " + p.y() + ") is outside the " + width + "x" + height
                        + " image; x must be in [0, " + width + "), y in [0, " + height + ")");
            }
            foreground |= p.label() == SamPoint.FOREGROUND;
        }
        if (box != null) {
            if (!(box.x0() >= 0 && box.y0() >= 0 && box.x1() <= width && box.y1() <= height && box.x0() <= box.x1() && box.y0() <= box.y1())) {
                throw OspreyException.badInput("box [" + box.x0() + ", " + box.y0() + ", " + box.x1() + ", " + box.y1() + "] must satisfy"
                        + " 0 <= x0 <= x1 <= " + width + " and 0 <= y0 <= y1 <= " + height);
            }
        } else if (!foreground) {
            throw OspreyException.badInput(points.isEmpty() ? "a SAM prompt needs at least one point or a box"
                    : "a SAM prompt without a box needs at least one foreground point (label 1)");
        }
    }
}
