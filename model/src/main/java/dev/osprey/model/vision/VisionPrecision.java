package dev.osprey.model.vision;

import java.util.Locale;

/**
 * How the vision graph multiplies its pointwise Linears: the block MLPs (fc1, fc2; about 70 % of a
 * float32 run at ConvNeXt-L shape) and the mm_projector. Convolutions, LayerNorms and GELU stay
 * float32 in every precision.
 */
public enum VisionPrecision {
    /** float32 everywhere: the parity path, held to the reference at 1e-4. */
    FP32,
    /**
     * int8 weights per output channel and int8 activations per pixel (per image token in the
     * projector), quantised at run time, through ONNX Runtime's int8 GEMM. Held to a gate against
     * FP32 (feature cosine and relative error per level); an image's features stay independent of
     * the images batched with it.
     */
    INT8;

    /** The lower-case name used on the command line and in bundle manifests. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
