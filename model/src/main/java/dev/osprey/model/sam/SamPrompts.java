package dev.osprey.model.sam;

import dev.osprey.model.error.OspreyException;
import java.util.List;

/**
 * Prompts in original pixels → the decoder's inputs ({@code SamPredictor.predict} up to the prompt
 * encoder): {@code ResizeLongestSide.apply_coords} scales x by {@code w / W} and y by {@code h / H}
 * (the rounded resized size, per axis) in float64, then casts to float32; a prompt without a box gets
 * the padding point, a box becomes two corner points.
 */
final class SamPrompts {

    /** Label of the padding point (no box). */
    static final float PADDING = -1f;
    /** Labels of the top-left and bottom-right box corners. */
    static final float BOX_TOP_LEFT = 2f;
    static final float BOX_BOTTOM_RIGHT = 3f;

    private SamPrompts() {
    }

    /** The decoder inputs of {@code prompts} for an image embedded as {@code e}; all must have the same number of decoder points. */
    static SamDecoderInput toDecoderInput(List<SamPrompt> prompts, SamEmbedding e, int maskSide) {
        if (prompts.isEmpty()) {
            throw OspreyException.badInput("no SAM prompt given");
        }
        int n = prompts.getFirst().decoderPoints();
        int batch = prompts.size();
        float[] coords = new float[batch * n * 2];
        float[] labels = new float[batch * n];
        boolean anyMask = prompts.stream().anyMatch(p -> p.maskInput() != null);
        int plane = maskSide * maskSide;
        float[] masks = new float[(anyMask ? batch : 1) * plane];
        float[] hasMask = new float[anyMask ? batch : 1];
        double sx = (double) e.inputWidth() / e.originalWidth();
        double sy = (double) e.inputHeight() / e.originalHeight();
        for (int b = 0; b < batch; b++) {
            SamPrompt p = prompts.get(b);
            p.validate(e.originalWidth(), e.originalHeight());
            if (p.decoderPoints() != n) {
                throw OspreyException.badInput("prompts decoded together need the same number of points and boxes: prompt 0 has "
                        + n + " decoder points, prompt " + b + " has " + p.decoderPoints());
            }
            int row = b * n;
            for (SamPoint point : p.points()) {
                put(coords, labels, row++, (float) (point.x() * sx), (float) (point.y() * sy), point.label());
            }
            if (p.box() == null) {
                put(coords, labels, row, 0f, 0f, PADDING);
            } else {
                SamBox box = p.box();
                put(coords, labels, row, (float) (box.x0() * sx), (float) (box.y0() * sy), BOX_TOP_LEFT);
                put(coords, labels, row + 1, (float) (box.x1() * sx), (float) (box.y1() * sy), BOX_BOTTOM_RIGHT);
            }
            if (p.maskInput() != null) {
                if (p.maskInput().length != plane) {
                    throw OspreyException.badInput("prompt " + b + "'s mask input has " + p.maskInput().length + " values, expected "
                            + maskSide + "x" + maskSide + " low-resolution logits");
                }
                System.arraycopy(p.maskInput(), 0, masks, b * plane, plane);
                hasMask[b] = 1f;
            }
        }
        return new SamDecoderInput(batch, n, coords, labels, masks, hasMask);
    }

    private static void put(float[] coords, float[] labels, int row, float x, float y, float label) {
        coords[2 * row] = x;
        coords[2 * row + 1] = y;
        labels[row] = label;
    }
}
