package dev.osprey.model.decode;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The key/value cache of a batch of sequences that advance together: per layer one direct buffer
 * [batch, kvHeads, maxLength, headDim] for keys and one for values, wrapped as ONNX Runtime tensors
 * that are passed both as the past input and as the pinned present output, so the attention op
 * appends in place (no copy per token). Not thread-safe; close it to free the native tensors.
 */
public final class KvCache implements AutoCloseable {

    private final int batch;
    private final int maxLength;
    private final OnnxTensor[] keys;
    private final OnnxTensor[] values;
    private int length;

    KvCache(OrtEnvironment env, DecoderConfig config, int batch, int maxLength) {
        if (batch <= 0 || maxLength <= 0 || maxLength > config.maxPositions()) {
            throw OspreyException.badInput("a KV cache needs batch ≥ 1 and 1 ≤ maxLength ≤ " + config.maxPositions()
                    + " (the model's max positions), got batch " + batch + ", maxLength " + maxLength);
        }
        this.batch = batch;
        this.maxLength = maxLength;
        this.keys = new OnnxTensor[config.layers()];
        this.values = new OnnxTensor[config.layers()];
        long[] shape = {batch, config.kvHeads(), maxLength, config.headDim()};
        try {
            for (int l = 0; l < config.layers(); l++) {
                keys[l] = OnnxTensor.createTensor(env, directFloats(shape), shape);
                values[l] = OnnxTensor.createTensor(env, directFloats(shape), shape);
            }
        } catch (OrtException e) {
            close();
            throw new OspreyException(Reason.INTERNAL, "cannot allocate a KV cache " + Arrays.toString(shape)
                    + ": " + e.getMessage(), e);
        }
    }

    private static FloatBuffer directFloats(long[] shape) {
        long bytes = 4L;
        for (long d : shape) {
            bytes *= d;
        }
        if (bytes > Integer.MAX_VALUE) {
            throw OspreyException.badInput("a KV cache layer of " + bytes + " bytes exceeds 2 GiB; use a smaller batch or maxLength");
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Sequences in the batch. */
    public int batch() {
        return batch;
    }

    /** Positions each sequence can hold. */
    public int maxLength() {
        return maxLength;
    }

    /** Positions each sequence holds now. */
    public int length() {
        return length;
    }

    OnnxTensor keys(int layer) {
        return keys[layer];
    }

    OnnxTensor values(int layer) {
        return values[layer];
    }

    void advance(int positions) {
        length += positions;
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].close();
            }
            if (values[l] != null) {
                values[l].close();
            }
        }
    }
}
