package dev.osprey.encoder;

import dev.osprey.api.v1.CocoRle;
import dev.osprey.encoder.sam.AutomaticSegmenter;
import dev.osprey.encoder.sam.SamSegmenter;
import dev.osprey.internal.v1.AutomaticMask;
import dev.osprey.internal.v1.AutomaticParameters;
import dev.osprey.internal.v1.PromptBox;
import dev.osprey.internal.v1.SegmentAllResponse;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.internal.v1.SegmentResponse;
import dev.osprey.internal.v1.SegmentedMask;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.sam.SamBox;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPrompt;
import dev.osprey.model.sam.auto.AutomaticParams;
import java.util.Arrays;

/** Segmenter messages to SAM prompts, and SAM's masks to messages: COCO compressed RLE at the image's size. */
final class SegmentMessages {

    private SegmentMessages() {
    }

    /** The request's prompt, not yet validated (that needs the image's size). */
    static SamPrompt prompt(SegmentRequest request) {
        PromptBox box = request.getBox();
        return new SamPrompt(request.getPointsList().stream().map(p -> new SamPoint(p.getX(), p.getY(), p.getLabel())).toList(),
                request.hasBox() ? new SamBox(box.getX0(), box.getY0(), box.getX1(), box.getY1()) : null, null);
    }

    /** The reference's defaults with the request's overrides; {@code BAD_INPUT} naming a parameter out of range. */
    static AutomaticParams params(AutomaticParameters overrides) {
        AutomaticParams defaults = AutomaticParams.DEFAULTS;
        return new AutomaticParams(
                overrides.hasPointsPerSide() ? overrides.getPointsPerSide() : defaults.pointsPerSide(),
                overrides.hasPointsPerBatch() ? overrides.getPointsPerBatch() : defaults.pointsPerBatch(),
                overrides.hasPredIouThresh() ? overrides.getPredIouThresh() : defaults.predIouThresh(),
                overrides.hasStabilityScoreThresh() ? overrides.getStabilityScoreThresh() : defaults.stabilityScoreThresh(),
                overrides.hasStabilityScoreOffset() ? overrides.getStabilityScoreOffset() : defaults.stabilityScoreOffset(),
                overrides.hasBoxNmsThresh() ? overrides.getBoxNmsThresh() : defaults.boxNmsThresh(),
                overrides.hasCropNLayers() ? overrides.getCropNLayers() : defaults.cropNLayers(),
                overrides.hasCropNmsThresh() ? overrides.getCropNmsThresh() : defaults.cropNmsThresh(),
                overrides.hasCropOverlapRatio() ? overrides.getCropOverlapRatio() : defaults.cropOverlapRatio(),
                overrides.hasCropNPointsDownscaleFactor() ? overrides.getCropNPointsDownscaleFactor() : defaults.cropNPointsDownscaleFactor(),
                overrides.hasMinMaskRegionArea() ? overrides.getMinMaskRegionArea() : defaults.minMaskRegionArea(),
                // Masks travel as COCO RLE whatever the mode: the mode only chooses how the CLI writes them.
                defaults.outputMode());
    }

    static SegmentResponse segmented(String imageId, SamSegmenter.Segmentation segmentation) {
        SegmentResponse.Builder reply = SegmentResponse.newBuilder().setImageId(imageId).setWidth(segmentation.width())
                .setHeight(segmentation.height()).setBestIndex(segmentation.bestIndex()).setEmbeddingCached(segmentation.embeddingCached());
        for (SamSegmenter.ScoredMask scored : segmentation.masks()) {
            BinaryMask mask = scored.mask();
            reply.addMasks(mask(mask, scored.score(), mask.area(), Arrays.stream(mask.bbox()).mapToInt(v -> (int) v).toArray()));
        }
        return reply.build();
    }

    static SegmentAllResponse automatic(String imageId, AutomaticSegmenter.AutomaticSegmentation segmentation) {
        SegmentAllResponse.Builder reply = SegmentAllResponse.newBuilder().setImageId(imageId).setWidth(segmentation.width())
                .setHeight(segmentation.height()).setTotalMasks(segmentation.found());
        for (dev.osprey.model.sam.auto.AutomaticMask found : segmentation.masks()) {
            AutomaticMask.Builder mask = AutomaticMask.newBuilder()
                    .setMask(mask(found.segmentation(), (float) found.predictedIou(), found.area(), found.bbox()))
                    .setStabilityScore((float) found.stabilityScore());
            Arrays.stream(found.pointCoords()).forEach(mask::addPointCoords);
            Arrays.stream(found.cropBox()).forEach(mask::addCropBox);
            reply.addMasks(mask);
        }
        return reply.build();
    }

    private static SegmentedMask mask(BinaryMask mask, float score, long area, int[] bbox) {
        SegmentedMask.Builder message = SegmentedMask.newBuilder().setScore(score).setArea(area)
                .setRle(CocoRle.newBuilder().setHeight(mask.height()).setWidth(mask.width())
                        .setCompressed(dev.osprey.model.mask.CocoRle.encode(mask)));
        Arrays.stream(bbox).forEach(message::addBbox);
        return message.build();
    }
}
