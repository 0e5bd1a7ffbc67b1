package dev.osprey.encoder.sam;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.auto.AutomaticMask;
import dev.osprey.model.sam.auto.AutomaticMaskGenerator;
import dev.osprey.model.sam.auto.AutomaticParams;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/**
 * Every mask SAM's automatic generator (SamAutomaticMaskGenerator of the reference) finds in an
 * uploaded image, with a cap on how many are returned. The full image's embedding is the cached one
 * that clicks use; the smaller crops of crop layers are encoded for the call and not kept. Thread-safe.
 */
public final class AutomaticSegmenter {

    /**
     * The generator's masks.
     *
     * @param masks in the generator's order, at most the cap
     * @param found how many the generator found
     */
    public record AutomaticSegmentation(int width, int height, List<AutomaticMask> masks, int found) {
    }

    private final SamEmbeddings embeddings;
    private final SamPredictor decoder;
    private final SegmentLimits limits;

    /** @param decoder runs the prompt decoder (its image encoder, if it has one, is not used here) */
    public AutomaticSegmenter(SamEmbeddings embeddings, SamPredictor decoder, SegmentLimits limits) {
        this.embeddings = embeddings;
        this.decoder = decoder;
        this.limits = limits;
    }

    /**
     * Every mask the generator finds, at most {@code maxMasks} of them (0: the default cap): when it
     * finds more, those with the highest predicted IoU, in the generator's order.
     *
     * @param cancelled asked between crops and batches of points (the caller has gone)
     * @throws OspreyException BAD_INPUT for parameters over the server's bounds, a negative cap or a
     *                         malformed id; NOT_FOUND when the image is not stored; CANCELLED once
     *                         {@code cancelled} says so
     */
    public AutomaticSegmentation segmentAll(String imageId, AutomaticParams params, int maxMasks, BooleanSupplier cancelled) {
        limits.check(params.pointsPerSide(), params.cropNLayers());
        int cap = limits.cap(maxMasks);
        // Before the image is decoded below: computing the embedding takes a decode turn of its own.
        SamEmbedding whole = embeddings.embedding(imageId).embedding();
        List<AutomaticMask> found = embeddings.withImage(imageId, image -> new AutomaticMaskGenerator(decoder, params).cancelledWhen(cancelled).generate(image,
                // A crop as large as the image is the image: its embedding is the cached one.
                crop -> crop.width() == image.width() && crop.height() == image.height() ? whole : embeddings.embedUncached(crop)));
        return new AutomaticSegmentation(whole.originalWidth(), whole.originalHeight(), strongest(found, cap), found.size());
    }

    private static List<AutomaticMask> strongest(List<AutomaticMask> masks, int cap) {
        if (masks.size() <= cap) {
            return masks;
        }
        return IntStream.range(0, masks.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -masks.get(i).predictedIou()))
                .limit(cap).sorted().map(masks::get).toList();
    }
}
