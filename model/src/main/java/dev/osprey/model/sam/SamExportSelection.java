package dev.osprey.model.sam;

/**
 * The official ONNX export's single-mask choice ({@code SamOnnxModel.select_masks} with
 * {@code return_single_mask=True}): {@code argmax(iou + (num_points − 2.5) · [1000, 0, 0, 0])} in float32,
 * where num_points counts the padding point or the two box corners. One click or a lone box picks the
 * best multimask output; three or more inputs always pick token 0.
 */
public final class SamExportSelection {

    private static final float SCORE_REWEIGHT = 1000f;

    private SamExportSelection() {
    }

    /** The selected token, given the IoUs of all tokens (token 0 first) and the decoder's point count. */
    public static int singleMaskIndex(float[] iouPredictions, int decoderPoints) {
        int best = 0;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < iouPredictions.length; t++) {
            float score = iouPredictions[t] + (t == 0 ? (decoderPoints - 2.5f) * SCORE_REWEIGHT : 0f);
            if (score > bestScore) {
                best = t;
                bestScore = score;
            }
        }
        return best;
    }
}
