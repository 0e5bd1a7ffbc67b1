package dev.osprey.model.sam.auto;

import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamPredictor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Segment everything: the reference's {@code SamAutomaticMaskGenerator.generate}. For the full
 * image and each crop: a grid of point prompts, three masks per point, kept by predicted IoU and
 * stability score, masks touching an inner crop edge dropped, box NMS; then NMS across crops
 * (smaller crops first) and, with {@code min_mask_region_area}, small-region cleanup. Masks come
 * in the reference's order. Thread-safe when the predictor is.
 *
 * <pre>{@code
 * AutomaticMaskGenerator generator = new AutomaticMaskGenerator(predictor, AutomaticParams.fromJson(json));
 * String annotations = AutomaticMasksJson.write(generator.generate(image), params.outputMode());
 * }</pre>
 */
public final class AutomaticMaskGenerator {

    private final SamPredictor predictor;
    private final AutomaticParams params;
    private final BooleanSupplier cancelled;

    public AutomaticMaskGenerator(SamPredictor predictor, AutomaticParams params) {
        this(predictor, params, () -> false);
    }

    private AutomaticMaskGenerator(SamPredictor predictor, AutomaticParams params, BooleanSupplier cancelled) {
        this.predictor = predictor;
        this.params = params;
        this.cancelled = cancelled;
    }

    /**
     * This generator, stopping with a CANCELLED error once {@code cancelled} says so: it asks before
     * each crop's embedding and each batch of points, so that a caller who has gone (a describe-all
     * stopped in the browser) does not keep the image encoder busy for a minute at ViT-B.
     */
    public AutomaticMaskGenerator cancelledWhen(BooleanSupplier cancelled) {
        return new AutomaticMaskGenerator(predictor, params, cancelled);
    }

    public AutomaticParams params() {
        return params;
    }

    /** The masks of {@code image}, embedding it and its crops with the predictor's image encoder. */
    public List<AutomaticMask> generate(RgbImage image) {
        return run(image, predictor::embed).masks();
    }

    /**
     * The masks of {@code image}, with embeddings from {@code embedder} (a cache or a remote image
     * encoder): it is called first with {@code image} itself (the same object, so a cache can key on
     * it), then once per crop with a new image of the crop's pixels.
     */
    public List<AutomaticMask> generate(RgbImage image, Function<RgbImage, SamEmbedding> embedder) {
        return run(image, embedder).masks();
    }

    /** {@link #generate(RgbImage, Function)} with the per-crop stage counts. */
    public AutomaticResult run(RgbImage image, Function<RgbImage, SamEmbedding> embedder) {
        List<CropBox> crops = CropBox.forImage(image.height(), image.width(), params.cropNLayers(), params.cropOverlapRatio());
        CropPass pass = new CropPass(predictor, params, cancelled);
        List<CropPass.Candidate> candidates = new ArrayList<>();
        List<CropStages> stages = new ArrayList<>(crops.size());
        for (CropBox crop : crops) {
            CropPass.Outcome outcome = pass.run(image, crop, embedder);
            candidates.addAll(outcome.kept());
            stages.add(outcome.stages());
        }
        if (crops.size() > 1) {
            candidates = acrossCrops(candidates);
        }
        List<AutomaticMask> masks = new ArrayList<>(candidates.size());
        for (CropPass.Candidate c : candidates) {
            masks.add(annotation(c, image));
        }
        if (params.minMaskRegionArea() > 0) {
            masks = SmallRegions.clean(masks, params.minMaskRegionArea(), Math.max(params.boxNmsThresh(), params.cropNmsThresh()));
        }
        return new AutomaticResult(List.copyOf(masks), List.copyOf(stages));
    }

    /** NMS over every crop's masks, scored by 1 / crop area (float32) so that masks of smaller crops win. */
    private List<CropPass.Candidate> acrossCrops(List<CropPass.Candidate> candidates) {
        List<int[]> boxes = new ArrayList<>(candidates.size());
        float[] scores = new float[candidates.size()];
        for (int i = 0; i < scores.length; i++) {
            CropBox crop = candidates.get(i).crop();
            boxes.add(candidates.get(i).imageBox());
            scores[i] = 1f / (float) ((long) crop.width() * crop.height());
        }
        return BoxNms.keep(boxes, scores, params.cropNmsThresh()).stream().map(candidates::get).toList();
    }

    /** A candidate as an annotation: its mask padded back to the full image ({@code uncrop_masks}), boxes and point in image coordinates. */
    private static AutomaticMask annotation(CropPass.Candidate c, RgbImage image) {
        CropBox crop = c.crop();
        BinaryMask full = BinaryMask.empty(image.height(), image.width());
        for (int y = 0; y < crop.height(); y++) {
            System.arraycopy(c.mask().pixels(), y * crop.width(), full.pixels(), (crop.y0() + y) * image.width() + crop.x0(), crop.width());
        }
        int[] box = c.imageBox();
        return new AutomaticMask(full, (int) full.area(), new int[] {box[0], box[1], box[2] - box[0], box[3] - box[1]}, c.iou(),
                new double[] {c.x() + crop.x0(), c.y() + crop.y0()}, c.stability(), crop.xywh());
    }
}
