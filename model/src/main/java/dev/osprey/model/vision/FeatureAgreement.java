package dev.osprey.model.vision;

import dev.osprey.model.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How close one level of an image's features is to a reference's: the cosine of the two as flat
 * vectors and the relative error {@code ||a - b|| / ||b||}. The int8 vision graph is gated on both
 * against float32.
 *
 * @param level         res2..res5 or image_embeds
 * @param cosine        a·b / (||a|| ||b||)
 * @param relativeError ||a - b|| / ||b|| (0 when both are zero)
 */
public record FeatureAgreement(String level, double cosine, double relativeError) {

    /** Per level, in the order res2..res5, image_embeds. */
    public static List<FeatureAgreement> of(VisionFeatures actual, VisionFeatures reference) {
        List<Tensor> a = actual.toTensors();
        List<Tensor> b = reference.toTensors();
        List<FeatureAgreement> levels = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            levels.add(of(a.get(i).name(), a.get(i).toFloats(), b.get(i).toFloats()));
        }
        return levels;
    }

    /** The agreement of two equally long vectors. */
    public static FeatureAgreement of(String level, float[] actual, float[] reference) {
        if (actual.length != reference.length) {
            throw new IllegalArgumentException(level + ": " + actual.length + " values against " + reference.length);
        }
        double dot = 0;
        double actualSquares = 0;
        double referenceSquares = 0;
        double errorSquares = 0;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double b = reference[i];
            dot += a * b;
            actualSquares += a * a;
            referenceSquares += b * b;
            errorSquares += (a - b) * (a - b);
        }
        double norms = Math.sqrt(actualSquares * referenceSquares);
        double cosine = norms > 0 ? dot / norms : actualSquares == referenceSquares ? 1 : 0;
        double relative = referenceSquares > 0 ? Math.sqrt(errorSquares / referenceSquares) : errorSquares == 0 ? 0 : Double.POSITIVE_INFINITY;
        return new FeatureAgreement(level, cosine, relative);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s cosine %.6f, relative error %.2f %%", level, cosine, 100 * relativeError);
    }
}
