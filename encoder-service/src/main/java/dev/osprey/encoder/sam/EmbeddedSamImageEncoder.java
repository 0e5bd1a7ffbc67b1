package dev.osprey.encoder.sam;

import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamPredictor;
import java.util.concurrent.atomic.AtomicLong;

/** SAM's image encoder in this process with ONNX Runtime: the predictor's own encoder session. */
public final class EmbeddedSamImageEncoder implements SamImageEncoder {

    private final SamPredictor predictor;
    private final AtomicLong runs = new AtomicLong();

    /** Uses {@code predictor}'s image encoder; whoever opened the predictor closes it (it also decodes prompts). */
    public EmbeddedSamImageEncoder(SamPredictor predictor) {
        this.predictor = predictor;
    }

    @Override
    public SamEmbedding embed(SamInput input) {
        runs.incrementAndGet();
        return predictor.embed(input);
    }

    /** Image encoder runs so far. */
    public long runs() {
        return runs.get();
    }

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public boolean ready() {
        return true;
    }

    /** Nothing to close: the predictor is its opener's. */
    @Override
    public void close() {
    }
}
