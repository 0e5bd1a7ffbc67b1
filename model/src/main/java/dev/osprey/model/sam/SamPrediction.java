package dev.osprey.model.sam;

/**
 * The decoder's output for one prompt: K low-resolution mask logits and their predicted IoUs.
 *
 * @param lowResLogits     [K, side, side] raw logits in the padded input frame (side 256)
 * @param iouPredictions   [K] predicted IoU per mask
 * @param count            K
 * @param tokens           which decoder mask token each mask is (0 = single mask, 1..3 = multimask)
 * @param sparseEmbeddings the prompt encoder's sparse embeddings [Ns, C] (points, padding point or box
 *                         corners), or null when not asked for
 * @param denseEmbeddings  the prompt encoder's dense embedding [C, grid, grid], or null when not asked for
 */
public record SamPrediction(float[] lowResLogits, float[] iouPredictions, int count, int[] tokens, float[] sparseEmbeddings,
        float[] denseEmbeddings) {

    public SamPrediction {
        if (count < 1 || iouPredictions.length != count || tokens.length != count || lowResLogits.length % count != 0) {
            throw new IllegalArgumentException("a prediction of " + count + " masks needs " + count + " IoUs and tokens and K x side x side"
                    + " logits; got " + iouPredictions.length + ", " + tokens.length + ", " + lowResLogits.length);
        }
    }

    /** Side of the low-resolution masks. */
    public int side() {
        return (int) Math.round(Math.sqrt(lowResLogits.length / (double) count));
    }

    /** The mask with the highest predicted IoU (the first on ties): the notebooks' "best mask". */
    public int bestIndex() {
        int best = 0;
        for (int k = 1; k < count; k++) {
            if (iouPredictions[k] > iouPredictions[best]) {
                best = k;
            }
        }
        return best;
    }

    /** Mask {@code k}'s low-resolution logits [side, side] (a copy), e.g. as the next prompt's mask input. */
    public float[] lowResLogits(int k) {
        int plane = lowResLogits.length / count;
        float[] out = new float[plane];
        System.arraycopy(lowResLogits, k * plane, out, 0, plane);
        return out;
    }
}
