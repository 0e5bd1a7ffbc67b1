package dev.osprey.model.decode;

/**
 * The RoPE cos/sin tables that GroupQueryAttention takes, [positions, headDim/2] float32, computed
 * as the reference does in float32 from {@code rope_theta} (the checkpoint's bf16 {@code inv_freq}
 * copies are ignored; they differ by up to 1.8e-4). Non-interleaved: dimension i pairs with
 * i + headDim/2 ({@code rotate_half}).
 */
final class RotaryTables {

    private RotaryTables() {
    }

    /** {@code inv_freq[i] = 1 / theta^(2i / headDim)} in float32. */
    static float[] inverseFrequencies(int headDim, float theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            inv[i] = 1f / (float) Math.pow(theta, exponent);
        }
        return inv;
    }

    /** cos (sin when {@code sine}) of {@code position * inv_freq[i]}, row-major [positions, headDim/2]. */
    static float[] table(int positions, int headDim, float theta, boolean sine) {
        float[] inv = inverseFrequencies(headDim, theta);
        float[] out = new float[positions * inv.length];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < inv.length; i++) {
                float angle = p * inv[i];
                out[p * inv.length + i] = (float) (sine ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return out;
    }
}
