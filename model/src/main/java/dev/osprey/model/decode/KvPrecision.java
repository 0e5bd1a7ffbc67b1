package dev.osprey.model.decode;

import dev.osprey.model.error.OspreyException;
import java.util.Locale;

/**
 * How keys and values are stored: a cached prefix's ({@link PrefixKv}), widened back to float32 when
 * a question loads it into a float32 cache, and the decoder's own cache, which is float32 or int8
 * ({@link Int8KvGraph}; never float16: ONNX Runtime's CPU attention ran 1.3-1.7x slower on it than on
 * float32 here). An int8 cache's prefixes are its codes, whatever precision is asked for.
 */
public enum KvPrecision {
    /** As computed: 4 bytes a value; exact. */
    FP32,
    /** IEEE half: 2 bytes a value; keys and values stay well inside its range. */
    FP16,
    /**
     * Symmetric int8 per head and position (one float scale per {@code headDim} values): about
     * 1.03 bytes a value at a head width of 128. Answers are held to a gate against FP32.
     */
    INT8;

    /** Parses "fp32", "fp16" or "int8" (any case). */
    public static KvPrecision parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw OspreyException.badInput("unknown KV precision '" + name + "' (use fp32, fp16 or int8)");
        }
    }

    /**
     * What a bundle's prefixes are stored in unless a service says otherwise: as exact as the
     * weights. A float32 bundle (the parity path) keeps exact prefixes, a float16 bundle half
     * precision, and a quantised bundle, whose answers already sit within a gate, int8.
     */
    public static KvPrecision forWeights(DecoderPrecision weights) {
        return switch (weights) {
            case FP32 -> FP32;
            case FP16 -> FP16;
            case INT8, INT4, INT8_DYNAMIC -> INT8;
        };
    }

    /** The lower-case name. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Bytes that {@code vectors} vectors of {@code width} values take at this precision. */
    long bytes(long vectors, int width) {
        return switch (this) {
            case FP32 -> vectors * width * 4L;
            case FP16 -> vectors * width * 2L;
            case INT8 -> vectors * (width + 4L);
        };
    }
}
