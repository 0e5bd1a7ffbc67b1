package dev.osprey.model.decode;

import dev.osprey.model.error.OspreyException;
import java.util.Locale;

/**
 * How the decoder graph stores its weight matrices. Activations, norms, attention and the KV cache
 * stay float32 in every precision.
 */
public enum DecoderPrecision {
    /** float32 weights: parity with the reference. */
    FP32(0),
    /**
     * float16 weights cast to float32 in the graph: half the file of fp32, but on CPU ONNX Runtime
     * folds the cast at load, so the weights sit in memory as float32.
     */
    FP16(0),
    /** 8-bit weight-only quantisation (MatMulNBits). */
    INT8(8),
    /** 4-bit weight-only quantisation (MatMulNBits); {@code lm_head} keeps 8 bits. */
    INT4(4),
    /**
     * int8 weights per output channel and int8 activations per row, quantised at run time
     * ({@link dev.osprey.model.onnx.RowQuantizedMatMul}): ONNX Runtime's int8 GEMM runs long prompts faster than MatMulNBits, while a
     * single position reads twice int4's bytes. A bundle's prefill graph.
     */
    INT8_DYNAMIC(8);

    private final int bits;

    DecoderPrecision(int bits) {
        this.bits = bits;
    }

    /** Whether the matrices go through MatMulNBits. */
    public boolean quantized() {
        return bits > 0;
    }

    /**
     * Bits for one weight matrix. The output projection keeps 8 bits under int4: the logits feed
     * sampling directly, and it is ~2 % of the 7B weights (llama.cpp's 4-bit k-quant mixes keep it wider too).
     */
    public int bitsFor(String weightName) {
        return this == INT4 && weightName.equals(DecoderConfig.LM_HEAD) ? 8 : bits;
    }

    /** Parses "fp32", "fp16", "int8" or "int4" (any case). */
    public static DecoderPrecision parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw OspreyException.badInput("unknown precision '" + name + "' (use fp32, fp16, int8, int4 or int8_dynamic)");
        }
    }

    /** The lower-case name used on the command line and in bundle manifests. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
