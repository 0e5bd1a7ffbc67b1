package dev.osprey.model.sam.auto;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.sam.SamDecoderInput;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamMasks;
import dev.osprey.model.sam.SamPrediction;
import dev.osprey.model.sam.SamPredictor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The reference's {@code _process_crop} and {@code _process_batch} for one crop: embed the crop, decode
 * its grid points in batches (one point per prompt, three masks each), drop masks by predicted IoU,
 * stability and nearness to an inner crop edge, then box NMS.
 */
final class CropPass {

    /** Label of the padding point the reference appends to a prompt without a box. */
    private static final float PADDING_LABEL = -1f;

    private final SamPredictor predictor;
    private final AutomaticParams params;
    private final BooleanSupplier cancelled;

    /** @param cancelled asked before the crop's embedding and each batch; true ends the pass with a CANCELLED error */
    CropPass(SamPredictor predictor, AutomaticParams params, BooleanSupplier cancelled) {
        this.predictor = predictor;
        this.params = params;
        this.cancelled = cancelled;
    }

    /** A mask that survived, in crop coordinates. */
    record Candidate(CropBox crop, BinaryMask mask, int[] box, float iou, float stability, double x, double y) {

        /** The box in image coordinates (the reference's {@code uncrop_boxes_xyxy}). */
        int[] imageBox() {
            return new int[] {box[0] + crop.x0(), box[1] + crop.y0(), box[2] + crop.x0(), box[3] + crop.y0()};
        }
    }

    /** The crop's kept masks in box-NMS order, and its stage counts. */
    record Outcome(List<Candidate> kept, CropStages stages) {
    }

    Outcome run(RgbImage image, CropBox crop, Function<RgbImage, SamEmbedding> embedder) {
        stopIfCancelled();
        RgbImage cropped = crop(image, crop);
        SamEmbedding embedding = embedder.apply(cropped);
        if (embedding.originalHeight() != crop.height() || embedding.originalWidth() != crop.width()) {
            throw new OspreyException(Reason.INTERNAL, "the embedding of a " + crop.width() + "x" + crop.height() + " crop is for a "
                    + embedding.originalWidth() + "x" + embedding.originalHeight() + " image");
        }
        double[] grid = PointGrid.forLayer(params.pointsPerSide(), crop.layer(), params.cropNPointsDownscaleFactor());
        int points = grid.length / 2;
        int[] counts = new int[3];
        List<Candidate> candidates = new ArrayList<>();
        for (int start = 0; start < points; start += params.pointsPerBatch()) {
            int end = Math.min(points, start + params.pointsPerBatch());
            stopIfCancelled();
            batch(grid, start, end, crop, embedding, image, candidates, counts);
        }
        List<int[]> boxes = new ArrayList<>(candidates.size());
        float[] scores = new float[candidates.size()];
        for (int i = 0; i < scores.length; i++) {
            boxes.add(candidates.get(i).box());
            scores[i] = candidates.get(i).iou();
        }
        List<Candidate> kept = BoxNms.keep(boxes, scores, params.boxNmsThresh()).stream().map(candidates::get).toList();
        int decoded = points * predictor.selection(true).length;
        return new Outcome(kept, new CropStages(crop, points, decoded, counts[0], counts[1], counts[2], kept.size()));
    }

    private void stopIfCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new OspreyException(Reason.CANCELLED, "automatic segmentation cancelled");
        }
    }

    /** Decodes grid points {@code [start, end)} and adds the masks that pass the filters; counts what passes each. */
    private void batch(double[] grid, int start, int end, CropBox crop, SamEmbedding embedding, RgbImage image, List<Candidate> out,
            int[] counts) {
        int batch = end - start;
        float[] coords = new float[batch * 4];
        float[] labels = new float[batch * 2];
        double[] xs = new double[batch];
        double[] ys = new double[batch];
        double sx = (double) embedding.inputWidth() / crop.width();
        double sy = (double) embedding.inputHeight() / crop.height();
        for (int b = 0; b < batch; b++) {
            // grid * [w, h] and apply_coords' scaling, in float64
            xs[b] = grid[2 * (start + b)] * crop.width();
            ys[b] = grid[2 * (start + b) + 1] * crop.height();
            coords[4 * b] = decoderCoordinate(xs[b] * sx);
            coords[4 * b + 1] = decoderCoordinate(ys[b] * sy);
            labels[2 * b] = 1f;
            // the padding point (0, 0) stays zero
            labels[2 * b + 1] = PADDING_LABEL;
        }
        int side = predictor.config().lowResSide();
        SamDecoderInput input = new SamDecoderInput(batch, 2, coords, labels, new float[side * side], new float[] {0f});
        List<SamPrediction> predictions = predictor.decode(embedding, input, false);
        int[] tokens = predictor.selection(true);
        float iouThreshold = (float) params.predIouThresh();
        float stabilityThreshold = (float) params.stabilityScoreThresh();
        for (int b = 0; b < batch; b++) {
            SamPrediction p = SamPredictor.select(predictions.get(b), tokens);
            for (int k = 0; k < p.count(); k++) {
                // torch compares a float32 tensor with a Python float in float32
                float iou = p.iouPredictions()[k];
                if (params.predIouThresh() > 0 && !(iou > iouThreshold)) {
                    continue;
                }
                counts[0]++;
                float[] logits = SamMasks.originalLogits(p, k, embedding);
                float stability = StabilityScore.of(logits, crop.height(), crop.width(), params.stabilityScoreOffset());
                if (params.stabilityScoreThresh() > 0 && !(stability >= stabilityThreshold)) {
                    continue;
                }
                counts[1]++;
                BinaryMask mask = SamMasks.threshold(logits, crop.height(), crop.width());
                Candidate c = new Candidate(crop, mask, MaskBoxes.inclusiveBounds(mask), iou, stability, xs[b], ys[b]);
                if (crop.nearInnerEdge(c.imageBox(), image.width(), image.height())) {
                    continue;
                }
                counts[2]++;
                out.add(c);
            }
        }
    }

    /**
     * The decoder graph's point coordinate for a point at {@code transformed} in the resized frame.
     * The generator hands the reference's prompt encoder float64 points, so {@code + 0.5} happens in
     * float64 and only the result is cast; the graph adds 0.5 in float32, so give it the cast sum
     * minus 0.5 (exact in float32, so the graph's sum is that cast sum again).
     */
    private static float decoderCoordinate(double transformed) {
        return (float) (transformed + 0.5) - 0.5f;
    }

    /** The reference's {@code image[y0:y1, x0:x1, :]}; the image itself for the full-image crop. */
    static RgbImage crop(RgbImage image, CropBox crop) {
        if (crop.width() == image.width() && crop.height() == image.height()) {
            return image;
        }
        byte[] rgb = new byte[crop.width() * crop.height() * 3];
        for (int y = 0; y < crop.height(); y++) {
            System.arraycopy(image.rgb(), ((crop.y0() + y) * image.width() + crop.x0()) * 3, rgb, y * crop.width() * 3, crop.width() * 3);
        }
        return new RgbImage(crop.width(), crop.height(), rgb);
    }
}
