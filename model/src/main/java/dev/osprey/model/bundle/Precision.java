package dev.osprey.model.bundle;

/** Precision of the decoder's weight matrices in a bundle. */
public enum Precision {
    /** float32 weights: exact parity with the reference. */
    FP32,
    /** float16 weights. */
    FP16,
    /** 8-bit weights with per-block scales (ONNX Runtime MatMulNBits). */
    INT8,
    /** 4-bit weights with per-block scales (ONNX Runtime MatMulNBits). */
    INT4
}
