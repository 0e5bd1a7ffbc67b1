package dev.osprey.encoder.sam;

import dev.osprey.model.sam.SamPredictor;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import java.util.Optional;

/**
 * Segment Anything in this encoder, or its absence: a model bundle without SAM still serves the vision
 * tower, and every segmentation call then fails with UNIMPLEMENTED (HTTP 501 at the gateway) saying why.
 */
public final class SegmentAnything implements AutoCloseable {

    private final SamSegmenter segmenter;
    private final AutomaticSegmenter automatic;
    private final SamEmbeddings embeddings;
    private final SamPredictor predictor;
    private final String absence;

    private SegmentAnything(SamSegmenter segmenter, AutomaticSegmenter automatic, SamEmbeddings embeddings, SamPredictor predictor,
            String absence) {
        this.segmenter = segmenter;
        this.automatic = automatic;
        this.embeddings = embeddings;
        this.predictor = predictor;
        this.absence = absence;
    }

    /**
     * SAM is here: prompts are decoded by {@code predictor} over {@code embeddings}. Takes ownership of
     * the predictor and of the embeddings' image encoder.
     */
    public static SegmentAnything of(SamPredictor predictor, SamEmbeddings embeddings, SegmentLimits limits) {
        return new SegmentAnything(new SamSegmenter(embeddings, predictor), new AutomaticSegmenter(embeddings, predictor, limits), embeddings,
                predictor, null);
    }

    /** SAM is not here; {@code why} says so to callers (e.g. which bundle lacks it and how to add it). */
    public static SegmentAnything absent(String why) {
        return new SegmentAnything(null, null, null, null, why);
    }

    /**
     * The segmenter.
     *
     * @throws ServiceException NOT_IMPLEMENTED saying why when SAM is absent
     */
    public SamSegmenter segmenter() {
        requirePresent();
        return segmenter;
    }

    /**
     * The automatic segmenter.
     *
     * @throws ServiceException NOT_IMPLEMENTED saying why when SAM is absent
     */
    public AutomaticSegmenter automatic() {
        requirePresent();
        return automatic;
    }

    private void requirePresent() {
        if (absence != null) {
            throw new ServiceException(ErrorReason.NOT_IMPLEMENTED, absence);
        }
    }

    /** The embeddings, when SAM is here. */
    public Optional<SamEmbeddings> embeddings() {
        return Optional.ofNullable(embeddings);
    }

    /** Why SAM is absent, when it is. */
    public Optional<String> absence() {
        return Optional.ofNullable(absence);
    }

    @Override
    public void close() {
        if (embeddings != null) {
            embeddings.encoder().close();
            predictor.close();
        }
    }
}
