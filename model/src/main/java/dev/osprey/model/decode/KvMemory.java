package dev.osprey.model.decode;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Native memory for one KV tensor: a direct buffer, which ONNX Runtime reads and writes in place.
 * Direct memory counts against {@code -XX:MaxDirectMemorySize} (by default the heap's size) and is
 * returned to the system only when a collection finds the buffer unreachable, which is one reason
 * caches keep their blocks in a {@link KvPool} rather than allocating per question.
 */
final class KvMemory {

    private final ByteBuffer buffer;

    private KvMemory(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** {@code bytes} of zeroed native memory (at most 2 GiB, a Java buffer's limit). */
    static KvMemory allocate(long bytes) {
        if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a KV block needs 1 byte to 2 GiB, got " + bytes);
        }
        try {
            return new KvMemory(ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()));
        } catch (OutOfMemoryError e) {
            throw new OspreyException(Reason.INTERNAL, "cannot allocate " + bytes + " bytes for a KV cache: " + e.getMessage()
                    + " (raise -XX:MaxDirectMemorySize, or lower the batch or the context)", e);
        }
    }

    /** Bytes held. */
    long bytes() {
        return buffer.capacity();
    }

    /** The first {@code count} bytes as a native-order direct buffer (what ONNX Runtime wraps without copying). */
    ByteBuffer bytes(long count) {
        return buffer.duplicate().limit(Math.toIntExact(count)).slice().order(ByteOrder.nativeOrder());
    }
}
