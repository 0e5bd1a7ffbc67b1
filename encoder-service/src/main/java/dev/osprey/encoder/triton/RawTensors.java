package dev.osprey.encoder.triton;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Float32 tensors as KServe v2 raw contents: little-endian bytes, row-major (the protocol's binary form). */
public final class RawTensors {

    private RawTensors() {
    }

    /** {@code values} as raw contents. */
    public static ByteString bytes(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        // The array is not touched again, so no defensive copy is needed.
        return UnsafeByteOperations.unsafeWrap(bytes.array());
    }

    /** {@code count} floats of raw contents, starting at float {@code offset}. */
    public static float[] floats(ByteString raw, int offset, int count) {
        float[] values = new float[count];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().position(offset).get(values);
        return values;
    }
}
