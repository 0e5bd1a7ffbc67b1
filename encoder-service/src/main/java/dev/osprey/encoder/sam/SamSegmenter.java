package dev.osprey.encoder.sam;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamMasks;
import dev.osprey.model.sam.SamPrediction;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPrompt;
import java.util.ArrayList;
import java.util.List;

/**
 * SAM's masks for a prompt on an uploaded image (SamPredictor.predict of the reference), over the
 * image's cached embedding.
 *
 * <p>The prompt decoder runs here, beside the embeddings, rather than in the gateway or on Triton:
 * an embedding is [C,64,64] floats (4 MiB for ViT-B/L/H), a prompt a few numbers and a mask a short RLE,
 * so a click costs one small call and a decoder run of a few milliseconds, and the embedding never
 * crosses the network. Thread-safe.
 */
public final class SamSegmenter {

    /** A mask at the image's size and SAM's predicted IoU for it. */
    public record ScoredMask(BinaryMask mask, float score) {
    }

    /**
     * SAM's answer to a prompt.
     *
     * @param masks           in the model's order (multimask: its three candidates, unsorted)
     * @param bestIndex       the mask with the highest score
     * @param embeddingCached whether the image's embedding was cached
     */
    public record Segmentation(int width, int height, List<ScoredMask> masks, int bestIndex, boolean embeddingCached) {
    }

    private final SamEmbeddings embeddings;
    private final SamPredictor decoder;

    /** @param decoder runs the prompt decoder (its image encoder, if it has one, is not used here) */
    public SamSegmenter(SamEmbeddings embeddings, SamPredictor decoder) {
        this.embeddings = embeddings;
        this.decoder = decoder;
    }

    /**
     * The masks for one prompt, at the image's original size.
     *
     * @throws OspreyException BAD_INPUT naming what is wrong with the prompt (a point outside the image, no
     *                         foreground point, too many points, a bad label, a bad box) or the id;
     *                         NOT_FOUND when the image is not stored
     */
    public Segmentation segment(String imageId, SamPrompt prompt, boolean multimask) {
        SamEmbeddings.Embedded embedded = embeddings.embedding(imageId);
        SamEmbedding embedding = embedded.embedding();
        prompt.validate(embedding.originalWidth(), embedding.originalHeight());
        SamPrediction prediction = decoder.predict(embedding, prompt, multimask);
        List<ScoredMask> masks = new ArrayList<>(prediction.count());
        for (int k = 0; k < prediction.count(); k++) {
            masks.add(new ScoredMask(SamMasks.mask(prediction, k, embedding), prediction.iouPredictions()[k]));
        }
        return new Segmentation(embedding.originalWidth(), embedding.originalHeight(), masks, prediction.bestIndex(), embedded.cached());
    }

    /**
     * Computes the image's embedding unless it is cached.
     *
     * @return whether it was cached
     */
    public boolean prepare(String imageId) {
        return embeddings.embedding(imageId).cached();
    }
}
