package dev.osprey.model.decode;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The key/value cache of a batch of sequences that advance together: per layer one direct buffer
 * [batch, kvHeads, maxLength, headDim] for keys and one for values, wrapped as ONNX Runtime tensors
 * that are passed both as the past input and as the pinned present output, so the attention op
 * appends in place (no copy per token). Each sequence (row) has its own filled length, so rows that
 * continue a shared {@link PrefixKv} by suffixes of different lengths can still step together.
 * Values are float32, or int8 codes with the decoder's fixed {@link KvScales} when its graph keeps an
 * int8 cache ({@link Int8KvGraph}). Not thread-safe; close it to free the native tensors.
 */
public final class KvCache implements AutoCloseable {

    private final int batch;
    private final int maxLength;
    private final int kvHeads;
    private final int headDim;
    private final OnnxTensor[] keys;
    private final OnnxTensor[] values;
    // The tensors' own direct buffers: ORT reads and writes them in place, so copies go through these.
    private final ByteBuffer[] keyData;
    private final ByteBuffer[] valueData;
    // Null for a float32 cache.
    private final KvScales scales;
    private final int valueBytes;
    // Their native memory, taken from and given back to the session's pool.
    private final KvMemory[] memory;
    private final KvPool pool;
    private final int[] lengths;

    KvCache(OrtEnvironment env, DecoderConfig config, int batch, int maxLength, KvPool pool, KvScales scales) {
        if (batch <= 0 || maxLength <= 0 || maxLength > config.maxPositions()) {
            throw OspreyException.badInput("a KV cache needs batch ≥ 1 and 1 ≤ maxLength ≤ " + config.maxPositions()
                    + " (the model's max positions), got batch " + batch + ", maxLength " + maxLength);
        }
        this.batch = batch;
        this.maxLength = maxLength;
        this.kvHeads = config.kvHeads();
        this.headDim = config.headDim();
        this.keys = new OnnxTensor[config.layers()];
        this.values = new OnnxTensor[config.layers()];
        this.keyData = new ByteBuffer[config.layers()];
        this.valueData = new ByteBuffer[config.layers()];
        this.scales = scales;
        this.valueBytes = scales == null ? Float.BYTES : Byte.BYTES;
        this.lengths = new int[batch];
        this.memory = new KvMemory[2 * config.layers()];
        this.pool = pool;
        long[] shape = {batch, config.kvHeads(), maxLength, config.headDim()};
        try {
            for (int l = 0; l < config.layers(); l++) {
                keyData[l] = block(shape, 2 * l);
                valueData[l] = block(shape, 2 * l + 1);
                keys[l] = tensor(env, keyData[l], shape);
                values[l] = tensor(env, valueData[l], shape);
            }
        } catch (OrtException e) {
            close();
            throw new OspreyException(Reason.INTERNAL, "cannot allocate a KV cache " + Arrays.toString(shape)
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    // A view of the first `rows` sequences of `whole`: its memory and lengths, tensors of its own.
    private KvCache(KvCache whole, int rows) throws OrtException {
        this.batch = rows;
        this.maxLength = whole.maxLength;
        this.kvHeads = whole.kvHeads;
        this.headDim = whole.headDim;
        this.keys = new OnnxTensor[whole.keys.length];
        this.values = new OnnxTensor[whole.keys.length];
        this.keyData = new ByteBuffer[whole.keys.length];
        this.valueData = new ByteBuffer[whole.keys.length];
        this.scales = whole.scales;
        this.valueBytes = whole.valueBytes;
        this.lengths = whole.lengths;
        // A view gives no memory back: the whole cache does.
        this.memory = new KvMemory[0];
        this.pool = whole.pool;
        long[] shape = {rows, kvHeads, maxLength, headDim};
        int bytes = offset(rows, 0) * valueBytes;
        try {
            for (int l = 0; l < keys.length; l++) {
                keyData[l] = whole.keyData[l].duplicate().limit(bytes).slice().order(ByteOrder.nativeOrder());
                valueData[l] = whole.valueData[l].duplicate().limit(bytes).slice().order(ByteOrder.nativeOrder());
                keys[l] = tensor(OrtEnvironment.getEnvironment(), keyData[l], shape);
                values[l] = tensor(OrtEnvironment.getEnvironment(), valueData[l], shape);
            }
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The first {@code rows} sequences of this cache as a cache of their own, on the same memory and
     * lengths: a decoder run on it reads and appends to exactly those rows, so a batch whose
     * sequences come and go steps only the rows in use. Close it before this cache; closing it frees
     * only its tensors.
     */
    public KvCache firstRows(int rows) {
        if (rows < 1 || rows > batch) {
            throw OspreyException.badInput("a view of " + rows + " row(s) of a cache of " + batch + " sequence(s)");
        }
        try {
            return new KvCache(this, rows);
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot make a view of " + rows + " KV cache rows: " + e.getMessage(), e);
        }
    }

    private ByteBuffer block(long[] shape, int slot) {
        long bytes = valueBytes;
        for (long d : shape) {
            bytes *= d;
        }
        if (bytes > Integer.MAX_VALUE) {
            throw OspreyException.badInput("a KV cache layer of " + bytes + " bytes exceeds 2 GiB; use a smaller batch or maxLength");
        }
        memory[slot] = pool.take(bytes);
        return memory[slot].bytes(bytes);
    }

    private OnnxTensor tensor(OrtEnvironment env, ByteBuffer data, long[] shape) throws OrtException {
        return scales == null ? OnnxTensor.createTensor(env, data.asFloatBuffer(), shape)
                : OnnxTensor.createTensor(env, data, shape, OnnxJavaType.INT8);
    }

    /** Sequences in the batch. */
    public int batch() {
        return batch;
    }

    /** Positions each sequence can hold. */
    public int maxLength() {
        return maxLength;
    }

    /** Positions the longest sequence holds now. */
    public int length() {
        return Arrays.stream(lengths, 0, batch).max().orElseThrow();
    }

    /** Positions sequence {@code row} holds now. */
    public int length(int row) {
        return lengths[checkRow(row)];
    }

    /** A float32 copy of the keys and values of sequence {@code row} over positions [0, length). */
    public PrefixKv snapshot(int row, int length) {
        return snapshot(row, length, KvPrecision.FP32);
    }

    /**
     * A copy of the keys and values of sequence {@code row} over positions [0, length), stored at
     * {@code precision}; an int8 cache's codes are copied as they are, whatever {@code precision}.
     */
    public PrefixKv snapshot(int row, int length, KvPrecision precision) {
        if (length <= 0 || length > length(row)) {
            throw OspreyException.badInput("a snapshot needs 1 ≤ length ≤ " + lengths[row] + " (the positions row " + row
                    + " holds), got " + length);
        }
        KvRows[] prefixKeys = new KvRows[keys.length];
        KvRows[] prefixValues = new KvRows[keys.length];
        if (scales != null) {
            for (int l = 0; l < keys.length; l++) {
                prefixKeys[l] = new KvRows.CacheCodes(gather(keyData[l], row, length), scales.keys()[l], length, headDim);
                prefixValues[l] = new KvRows.CacheCodes(gather(valueData[l], row, length), scales.values()[l], length, headDim);
            }
            return new PrefixKv(length, kvHeads, headDim, KvPrecision.INT8, prefixKeys, prefixValues);
        }
        float[] layer = new float[kvHeads * length * headDim];
        for (int l = 0; l < keys.length; l++) {
            prefixKeys[l] = KvRows.encode(precision, gather(keyData[l], row, length, layer), headDim);
            prefixValues[l] = KvRows.encode(precision, gather(valueData[l], row, length, layer), headDim);
        }
        return new PrefixKv(length, kvHeads, headDim, precision, prefixKeys, prefixValues);
    }

    // Row `row`'s first `length` positions of every head, as [kvHeads, length, headDim] in `out`.
    private float[] gather(ByteBuffer data, int row, int length, float[] out) {
        for (int h = 0; h < kvHeads; h++) {
            data.asFloatBuffer().get(offset(row, h), out, h * length * headDim, length * headDim);
        }
        return out;
    }

    // The same for int8 codes.
    private byte[] gather(ByteBuffer data, int row, int length) {
        byte[] out = new byte[kvHeads * length * headDim];
        for (int h = 0; h < kvHeads; h++) {
            data.get(offset(row, h), out, h * length * headDim, length * headDim);
        }
        return out;
    }

    /**
     * Copies {@code prefix} into sequence {@code row} (widened to float32, or as codes into an int8
     * cache), which then holds exactly its positions: a following prefill appends the rest of that sequence.
     */
    public void load(PrefixKv prefix, int row) {
        checkRow(row);
        if (prefix.layers() != keys.length || prefix.kvHeads() != kvHeads || prefix.headDim() != headDim
                || prefix.length() > maxLength) {
            throw OspreyException.badInput("a prefix of " + prefix.layers() + " layers x " + prefix.kvHeads() + " heads x "
                    + prefix.length() + " positions x " + prefix.headDim() + " does not fit a cache of " + keys.length + " x "
                    + kvHeads + " x " + maxLength + " x " + headDim);
        }
        int span = prefix.length() * headDim;
        if (scales != null) {
            for (int l = 0; l < keys.length; l++) {
                scatter(codes(prefix.keyRows(l), scales.keys()[l]), span, keyData[l], row);
                scatter(codes(prefix.valueRows(l), scales.values()[l]), span, valueData[l], row);
            }
        } else {
            float[] layer = new float[kvHeads * span];
            for (int l = 0; l < keys.length; l++) {
                prefix.keyRows(l).decode(layer);
                scatter(layer, span, keyData[l], row);
                prefix.valueRows(l).decode(layer);
                scatter(layer, span, valueData[l], row);
            }
        }
        lengths[row] = prefix.length();
    }

    // An int8 cache takes back only codes stored with its own scales: anything else would need requantising.
    private static byte[] codes(KvRows rows, float[] scales) {
        if (rows instanceof KvRows.CacheCodes codes && Arrays.equals(codes.scales(), scales)) {
            return codes.codes();
        }
        throw OspreyException.badInput("this int8 KV cache loads only prefixes taken from a cache of the same decoder");
    }

    private void scatter(float[] layer, int span, ByteBuffer data, int row) {
        for (int h = 0; h < kvHeads; h++) {
            data.asFloatBuffer().put(offset(row, h), layer, h * span, span);
        }
    }

    private void scatter(byte[] layer, int span, ByteBuffer data, int row) {
        for (int h = 0; h < kvHeads; h++) {
            data.put(offset(row, h), layer, h * span, span);
        }
    }

    /**
     * Writes one layer's int8 codes of {@code n} new positions of every sequence, [batch, kvHeads, n, headDim]
     * as a prefill graph of {@link PrefillKvGraph} hands them back, at positions [start, start + n).
     */
    void append(int layer, ByteBuffer keyCodes, ByteBuffer valueCodes, int start, int n) {
        if (scales == null || start + n > maxLength) {
            throw new IllegalStateException("appending codes at " + start + "+" + n + " to a " + (scales == null ? "float32" : "int8")
                    + " cache of " + maxLength + " positions");
        }
        int span = n * headDim;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < kvHeads; h++) {
                int from = (b * kvHeads + h) * span;
                keyData[layer].put(offset(b, h) + start * headDim, keyCodes, from, span);
                valueData[layer].put(offset(b, h) + start * headDim, valueCodes, from, span);
            }
        }
    }

    /** Copies sequence {@code fromRow} of {@code from} (same sizes) into sequence {@code row} of this cache. */
    public void copyRow(KvCache from, int fromRow, int row) {
        checkRow(row);
        int length = from.length(fromRow);
        if (from.keys.length != keys.length || from.kvHeads != kvHeads || from.headDim != headDim || length > maxLength) {
            throw OspreyException.badInput("row " + fromRow + " of " + length + " positions does not fit this cache of "
                    + maxLength + " positions, or the caches' layer and head sizes differ");
        }
        if (from.valueBytes != valueBytes) {
            throw OspreyException.badInput("cannot copy a row between a float32 and an int8 KV cache");
        }
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < kvHeads; h++) {
                keyData[l].put(offset(row, h) * valueBytes, from.keyData[l], from.offset(fromRow, h) * valueBytes,
                        length * headDim * valueBytes);
                valueData[l].put(offset(row, h) * valueBytes, from.valueData[l], from.offset(fromRow, h) * valueBytes,
                        length * headDim * valueBytes);
            }
        }
        lengths[row] = length;
    }

    /** Index of position 0 of head {@code head} of sequence {@code row} in a [batch, kvHeads, maxLength, headDim] buffer. */
    private int offset(int row, int head) {
        return (row * kvHeads + head) * maxLength * headDim;
    }

    private int checkRow(int row) {
        if (row < 0 || row >= batch) {
            throw OspreyException.badInput("row " + row + " is outside a cache of " + batch + " sequence(s)");
        }
        return row;
    }

    OnnxTensor keys(int layer) {
        return keys[layer];
    }

    OnnxTensor values(int layer) {
        return values[layer];
    }

    void advance(int positions) {
        for (int b = 0; b < batch; b++) {
            lengths[b] += positions;
        }
    }

    /** Frees the native tensors and gives the memory back to the session's pool for the next cache. */
    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].close();
                keys[l] = null;
            }
            if (values[l] != null) {
                values[l].close();
                values[l] = null;
            }
        }
        for (int i = 0; i < memory.length; i++) {
            if (memory[i] != null) {
                pool.give(memory[i]);
                memory[i] = null;
            }
        }
    }
}
