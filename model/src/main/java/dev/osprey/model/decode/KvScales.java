package dev.osprey.model.decode;

import dev.osprey.model.error.OspreyException;
import java.util.Arrays;

/**
 * The fixed per-channel scales of an int8 KV cache: per layer one float per (kv head, channel) for
 * keys and one for values, so that a stored code c stands for c × scale. ONNX Runtime's attention
 * quantises every new key and value with them and dequantises as it reads, so they are chosen once,
 * when the bundle is built, from the keys and values of a calibration sequence.
 *
 * @param keys   per layer, [kvHeads × headDim]
 * @param values per layer, [kvHeads × headDim]
 */
public record KvScales(float[][] keys, float[][] values) {

    /**
     * Headroom over the calibration's largest magnitude: later inputs may reach a little further,
     * and a value beyond 127 codes is clipped, which costs more than the coarser step.
     */
    static final double HEADROOM = 1.25;

    public KvScales {
        if (keys.length != values.length || keys.length == 0) {
            throw new IllegalArgumentException("key and value scales need the same, non-zero number of layers");
        }
    }

    /** Decoder layers covered. */
    public int layers() {
        return keys.length;
    }

    /** Equal when every scale is: two graphs that share a cache must quantise alike. */
    @Override
    public boolean equals(Object other) {
        return other instanceof KvScales that && Arrays.deepEquals(keys, that.keys) && Arrays.deepEquals(values, that.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(keys) + Arrays.deepHashCode(values);
    }

    @Override
    public String toString() {
        return "KvScales[" + keys.length + " layers]";
    }

    /**
     * Scales that hold every key and value of {@code calibration} (a float32 snapshot) with
     * {@link #HEADROOM}. Keys are stored after rotary embedding, which turns channel i and channel
     * i + headDim/2 into each other as the position changes: both get the largest norm of the pair,
     * the bound of either at any position.
     */
    public static KvScales calibrate(PrefixKv calibration) {
        int layers = calibration.layers();
        float[][] keys = new float[layers][];
        float[][] values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = scales(rotaryPairMax(calibration.keys(l), calibration));
            values[l] = scales(channelMax(calibration.values(l), calibration));
        }
        return new KvScales(keys, values);
    }

    // [kvHeads, headDim]: max over positions of |x| per channel.
    private static float[] channelMax(float[] layer, PrefixKv p) {
        int width = p.headDim();
        float[] max = new float[p.kvHeads() * width];
        for (int h = 0; h < p.kvHeads(); h++) {
            for (int t = 0; t < p.length(); t++) {
                int base = (h * p.length() + t) * width;
                for (int c = 0; c < width; c++) {
                    max[h * width + c] = Math.max(max[h * width + c], Math.abs(layer[base + c]));
                }
            }
        }
        return max;
    }

    // [kvHeads, headDim]: max over positions of the norm of the rotary pair (c, c + headDim/2), for both channels.
    private static float[] rotaryPairMax(float[] layer, PrefixKv p) {
        int width = p.headDim();
        int half = width / 2;
        float[] max = new float[p.kvHeads() * width];
        for (int h = 0; h < p.kvHeads(); h++) {
            for (int t = 0; t < p.length(); t++) {
                int base = (h * p.length() + t) * width;
                for (int c = 0; c < half; c++) {
                    float a = layer[base + c];
                    float b = layer[base + c + half];
                    float norm = (float) Math.sqrt(a * a + b * b);
                    max[h * width + c] = Math.max(max[h * width + c], norm);
                    max[h * width + c + half] = Math.max(max[h * width + c + half], norm);
                }
            }
        }
        return max;
    }

    private static float[] scales(float[] max) {
        float[] scales = new float[max.length];
        for (int i = 0; i < max.length; i++) {
            if (!Float.isFinite(max[i])) {
                throw OspreyException.badCheckpoint("the calibration produced a non-finite key or value; the weights are broken");
            }
            // A channel that stayed at zero still gets a usable step.
            scales[i] = (float) Math.max(max[i] * HEADROOM / 127, 1e-8);
        }
        return scales;
    }
}
