package dev.osprey.encoder.sam;

import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamInput;

/**
 * Where SAM's image encoder (the ViT, the heavy part) runs: in process ({@link EmbeddedSamImageEncoder})
 * or on a Triton server ({@code TritonSamImageEncoder}), chosen with the vision tower's backend. The prompt
 * decoder always runs in this process, beside the cached embeddings.
 */
public interface SamImageEncoder extends AutoCloseable {

    /** The embedding of one preprocessed image (resized, normalised, padded to the model's square). */
    SamEmbedding embed(SamInput input);

    /** "embedded" or "triton", for logs and metric tags. */
    String name();

    /** Whether an embedding can be computed now (for Triton: server and model ready). */
    boolean ready();

    @Override
    void close();
}
