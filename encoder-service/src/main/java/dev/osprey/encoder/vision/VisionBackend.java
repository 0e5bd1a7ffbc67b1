package dev.osprey.encoder.vision;

import dev.osprey.model.vision.VisionFeatures;
import java.util.List;

/**
 * Where the vision tower runs: in process ({@link EmbeddedVisionBackend}) or on a Triton server
 * ({@code TritonVisionBackend}). Chosen by {@code osprey.encoder.backend}; everything above it is the same.
 */
public interface VisionBackend extends AutoCloseable {

    /**
     * Encodes a batch given as N·3·S·S floats (NCHW, preprocessed as spec §1.4, images one after
     * another) in one model run; one {@link VisionFeatures} per image, in order.
     */
    List<VisionFeatures> encode(float[] pixelValues);

    /** "embedded" or "triton", for logs and metric tags. */
    String name();

    /** Whether an encode can succeed now: the model is loaded (and for Triton, server and model are ready). */
    boolean ready();

    @Override
    void close();
}
