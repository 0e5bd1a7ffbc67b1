package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.osprey.model.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Block-wise asymmetric quantisation in MatMulNBits' packed layout. */
class WeightQuantizerTest {

    @Test
    void blockSizeIsTheLargestPowerOfTwoUpToThePreferredThatDividesK() {
        assertThat(WeightQuantizer.blockSize(4096, 128)).isEqualTo(128);
        assertThat(WeightQuantizer.blockSize(11008, 128)).isEqualTo(128);
        assertThat(WeightQuantizer.blockSize(64, 128)).isEqualTo(64);
        // No power of two ≥ 16 divides 172: the smallest block, with a padded tail.
        assertThat(WeightQuantizer.blockSize(172, 128)).isEqualTo(16);
    }

    @Test
    void fourBitValuesPackLowNibbleFirstWithTheirZeroPoint() {
        // One block of 16: range [-1, 2] → scale 0.2, zero point round(1 / 0.2) = 5.
        float[] row = new float[16];
        row[0] = -1f;
        row[1] = 2f;
        row[2] = 0.4f;
        QuantizedWeight q = WeightQuantizer.quantize(Tensor.ofFloats("w", new long[] {1, 16}, row), 4, 16);
        assertThat(q.scales()[0]).isCloseTo(0.2f, within(1e-7f));
        assertThat(q.zeroPoints()).containsExactly((byte) 5);
        assertThat(q.packed()[0]).isEqualTo((byte) (0 | 15 << 4));
        assertThat(q.packed()[1] & 0xFF).isEqualTo(7 | 5 << 4);
        assertThat(q.dequantize()[2]).isCloseTo(0.4f, within(1e-6f));
    }

    @Test
    void roundTripErrorIsAtMostHalfAStepAndPaddingIsTheZeroPoint() {
        int n = 3;
        int k = 40;
        float[] values = new float[n * k];
        Random random = new Random(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        for (int bits : new int[] {4, 8}) {
            QuantizedWeight q = WeightQuantizer.quantize(Tensor.ofFloats("w", new long[] {n, k}, values), bits, 128);
            assertThat(q.blockSize()).isEqualTo(16);
            assertThat(q.packedShape()).containsExactly(n, 3, 16 * bits / 8);
            assertThat(q.zeroPointBytesPerRow()).isEqualTo(bits == 4 ? 2 : 3);
            float[] back = q.dequantize();
            for (int i = 0; i < values.length; i++) {
                float scale = q.scales()[(i / k) * q.blocks() + (i % k) / q.blockSize()];
                assertThat(Math.abs(back[i] - values[i])).as("%d bits, element %d", bits, i).isLessThanOrEqualTo(scale / 2 * 1.0001f);
            }
            for (int r = 0; r < n; r++) {
                int zero = QuantizedWeight.unpack(q.zeroPoints(), (long) r * q.zeroPointBytesPerRow() * (8 / bits) + 2, bits);
                for (int j = k - 32; j < 16; j++) {
                    assertThat(QuantizedWeight.unpack(q.packed(), ((long) r * 3 + 2) * 16 + j, bits)).isEqualTo(zero);
                }
            }
        }
    }

    @Test
    void allZeroBlockDequantisesToZero() {
        QuantizedWeight q = WeightQuantizer.quantize(Tensor.ofFloats("w", new long[] {2, 16}, new float[32]), 4, 128);
        assertThat(q.dequantize()).containsOnly(0f);
    }
}
