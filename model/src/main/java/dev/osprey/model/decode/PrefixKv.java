package dev.osprey.model.decode;

/**
 * An immutable snapshot of one sequence's keys and values over positions [0, length): per layer
 * [kvHeads, length, headDim] row-major for keys and the same for values. Taken by
 * {@link KvCache#snapshot(int, int)} and copied into a sequence's own cache row by
 * {@link KvCache#load(PrefixKv, int)}; never written after construction, so any number of threads may
 * load it at once.
 *
 * <p>Heap arrays rather than direct buffers: an evicted prefix is then reclaimed under ordinary heap
 * pressure, whereas direct memory is only freed when a collection happens to find its owner.
 */
public final class PrefixKv {

    private final int length;
    private final int kvHeads;
    private final int headDim;
    private final float[][] keys;
    private final float[][] values;

    PrefixKv(int length, int kvHeads, int headDim, float[][] keys, float[][] values) {
        this.length = length;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keys = keys;
        this.values = values;
    }

    /** Positions held. */
    public int length() {
        return length;
    }

    /** Decoder layers held. */
    public int layers() {
        return keys.length;
    }

    /** Key/value heads per layer. */
    public int kvHeads() {
        return kvHeads;
    }

    /** Width of one head. */
    public int headDim() {
        return headDim;
    }

    /** Bytes of the float32 keys and values: layers × 2 × kvHeads × length × headDim × 4. */
    public long bytes() {
        return bytes(layers(), kvHeads, headDim, length);
    }

    /** Bytes a prefix of {@code length} positions takes at these sizes (float32 keys and values). */
    public static long bytes(int layers, int kvHeads, int headDim, int length) {
        return 2L * layers * kvHeads * headDim * length * Float.BYTES;
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }
}
