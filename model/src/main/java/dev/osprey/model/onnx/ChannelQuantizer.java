package dev.osprey.model.onnx;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;

/**
 * Symmetric int8 quantisation with one scale per output channel, laid out [K, N] as the int8 GEMMs
 * (MatMulInteger, MatMulIntegerToFloat) take their second operand: each row of the checkpoint's
 * [N, K] matrix becomes a column, scaled so that its largest magnitude maps to 127.
 */
public final class ChannelQuantizer {

    /** int8 codes [K, N] row-major and one scale per column. */
    public record Quantized(int k, int n, byte[] codes, float[] scales) {
    }

    private ChannelQuantizer() {
    }

    /** Quantises a [N, K] float matrix (any float dtype), reading one row at a time. */
    public static Quantized quantize(Tensor weight) {
        if (weight.shape().length != 2) {
            throw new OspreyException(Reason.INTERNAL, "cannot quantise " + weight + " per channel");
        }
        int n = Math.toIntExact(weight.shape()[0]);
        int k = Math.toIntExact(weight.shape()[1]);
        byte[] codes = new byte[Math.multiplyExact(n, k)];
        float[] scales = new float[n];
        float[] row = new float[k];
        for (int c = 0; c < n; c++) {
            weight.readFloats((long) c * k, row, 0, k);
            float max = 0;
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
            // An all-zero channel gets scale 1: every code is 0.
            float scale = max > 0 ? max / 127 : 1f;
            scales[c] = scale;
            for (int j = 0; j < k; j++) {
                codes[j * n + c] = (byte) Math.max(-127, Math.min(127, Math.round(row[j] / scale)));
            }
        }
        return new Quantized(k, n, codes, scales);
    }
}
