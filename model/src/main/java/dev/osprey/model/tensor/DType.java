package dev.osprey.model.tensor;

import dev.osprey.model.error.OspreyException;

/** Element types of stored tensors, with their names in safetensors and their ONNX type codes. */
public enum DType {
    F32(4, "F32", 1),
    F16(2, "F16", 10),
    BF16(2, "BF16", 16),
    F64(8, "F64", 11),
    I64(8, "I64", 7),
    I32(4, "I32", 6),
    I8(1, "I8", 3),
    U8(1, "U8", 2),
    BOOL(1, "BOOL", 9);

    private final int bytes;
    private final String safetensorsName;
    private final int onnxType;

    DType(int bytes, String safetensorsName, int onnxType) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
        this.onnxType = onnxType;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The dtype string in a safetensors header. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The ONNX {@code TensorProto.DataType} code. */
    public int onnxType() {
        return onnxType;
    }

    /** Parses a safetensors dtype string. */
    public static DType fromSafetensors(String name) {
        for (DType type : values()) {
            if (type.safetensorsName.equals(name)) {
                return type;
            }
        }
        throw OspreyException.badCheckpoint("unsupported tensor dtype '" + name + "' (supported: F32, F16, BF16, F64, I64, I32, I8, U8, BOOL)");
    }
}
