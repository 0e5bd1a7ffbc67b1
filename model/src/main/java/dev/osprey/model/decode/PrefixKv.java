package dev.osprey.model.decode;

/**
 * An immutable snapshot of one sequence's keys and values over positions [0, length): per layer
 * [kvHeads, length, headDim] for keys and the same for values, stored in a {@link KvPrecision}.
 * Taken by {@link KvCache#snapshot(int, int, KvPrecision)} and widened into a sequence's own cache row by
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
    private final KvPrecision precision;
    private final KvRows[] keys;
    private final KvRows[] values;

    PrefixKv(int length, int kvHeads, int headDim, KvPrecision precision, KvRows[] keys, KvRows[] values) {
        this.length = length;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.precision = precision;
        this.keys = keys;
        this.values = values;
    }

    /** A float32 prefix over these arrays (tests). */
    PrefixKv(int length, int kvHeads, int headDim, float[][] keys, float[][] values) {
        this(length, kvHeads, headDim, KvPrecision.FP32, fp32(keys), fp32(values));
    }

    private static KvRows[] fp32(float[][] layers) {
        KvRows[] rows = new KvRows[layers.length];
        for (int l = 0; l < layers.length; l++) {
            rows[l] = new KvRows.Fp32(layers[l]);
        }
        return rows;
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

    /** How the keys and values are stored. */
    public KvPrecision precision() {
        return precision;
    }

    /** Bytes of the stored keys and values (and int8 scales). */
    public long bytes() {
        long bytes = 0;
        for (int l = 0; l < keys.length; l++) {
            bytes += keys[l].bytes() + values[l].bytes();
        }
        return bytes;
    }

    /** Bytes a prefix of {@code length} positions takes at these sizes and precision. */
    public static long bytes(int layers, int kvHeads, int headDim, int length, KvPrecision precision) {
        return precision.bytes(2L * layers * kvHeads * length, headDim);
    }

    KvRows keyRows(int layer) {
        return keys[layer];
    }

    KvRows valueRows(int layer) {
        return values[layer];
    }

    /** Layer {@code layer}'s keys widened to float32, [kvHeads, length, headDim]. */
    float[] keys(int layer) {
        return widened(keys[layer]);
    }

    /** Layer {@code layer}'s values widened to float32, [kvHeads, length, headDim]. */
    float[] values(int layer) {
        return widened(values[layer]);
    }

    private float[] widened(KvRows rows) {
        float[] out = new float[kvHeads * length * headDim];
        rows.decode(out);
        return out;
    }
}
