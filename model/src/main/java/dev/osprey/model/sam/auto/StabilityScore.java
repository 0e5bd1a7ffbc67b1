package dev.osprey.model.sam.auto;

/**
 * The reference's {@code calculate_stability_score}: the IoU between a mask's logits thresholded at
 * {@code +offset} and at {@code -offset} (the mask threshold is 0), i.e. {@code #(logit > offset) /
 * #(logit > -offset)} as a float32 division; 0/0 is NaN.
 */
final class StabilityScore {

    private StabilityScore() {
    }

    /**
     * The score of {@code height × width} row-major logits. Thresholds are float32 like the logits
     * (torch casts the Python scalar to the tensor's type); per-row counts wrap at 16 bits as the
     * reference's {@code sum(-1, dtype=torch.int16)} does on rows wider than 32767 pixels.
     */
    static float of(float[] logits, int height, int width, double offset) {
        float high = (float) offset;
        float low = (float) -offset;
        int intersections = 0;
        int unions = 0;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            int above = 0;
            int aboveLow = 0;
            for (int x = 0; x < width; x++) {
                float v = logits[row + x];
                above += v > high ? 1 : 0;
                aboveLow += v > low ? 1 : 0;
            }
            intersections += (short) above;
            unions += (short) aboveLow;
        }
        return (float) intersections / (float) unions;
    }
}
