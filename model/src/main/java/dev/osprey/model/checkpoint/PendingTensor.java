package dev.osprey.model.checkpoint;

import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * A tensor to be written whose bytes are produced only when the writer reaches it, so that writers
 * hold one tensor in memory at a time.
 *
 * @param data produces exactly {@code numel * dtype.bytes()} little-endian bytes
 */
public record PendingTensor(String name, DType dtype, long[] shape, Supplier<ByteBuffer> data) {

    /** A pending tensor for one that already exists. */
    public static PendingTensor of(Tensor tensor) {
        return new PendingTensor(tensor.name(), tensor.dtype(), tensor.shape(), tensor::bytes);
    }
}
