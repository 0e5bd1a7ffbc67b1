package dev.osprey.encoder.sam;

import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamPredictor;

/** SAM's image encoder in this process with ONNX Runtime: the predictor's own encoder session. */
public final class EmbeddedSamImageEncoder implements SamImageEncoder {

    private final SamPredictor predictor;

    /** Uses {@code predictor}'s image encoder; whoever opened the predictor closes it (it also decodes prompts). */
    public EmbeddedSamImageEncoder(SamPredictor predictor) {
        this.predictor = predictor;
    }

    @Override
    public SamEmbedding embed(SamInput input) {
        return predictor.embed(input);
    }

    @Override
    public String name() {
        return "embedded";
    }

    /** Loaded with the predictor, before the application starts. */
    @Override
    public boolean ready() {
        return true;
    }

    /** Nothing to close: the predictor is its opener's. */
    @Override
    public void close() {
    }
}
