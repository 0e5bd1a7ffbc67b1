package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Tensor;
import java.util.Set;

/**
 * A set of named tensors backed by files (a safetensors file, a PyTorch archive, a sharded
 * checkpoint). Tensors are read lazily; close the store to unmap its files.
 */
public interface TensorStore extends AutoCloseable {

    /** All tensor names, in a stable order. */
    Set<String> names();

    /** The tensor with this name; fails with {@code BAD_CHECKPOINT} naming the key if it is absent. */
    Tensor get(String name);

    default boolean contains(String name) {
        return names().contains(name);
    }

    /** The tensor's values as float32. */
    default float[] floats(String name) {
        return get(name).toFloats();
    }

    /** Fails with a message naming the missing key when the store lacks it. */
    default void require(String name) {
        if (!contains(name)) {
            throw OspreyException.badCheckpoint("missing tensor '" + name + "'");
        }
    }

    @Override
    void close();
}
