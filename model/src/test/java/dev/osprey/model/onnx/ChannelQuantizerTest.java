package dev.osprey.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChannelQuantizerTest {

    @Test
    void eachRowBecomesAColumnWithinHalfAStepOfItsScale() {
        int n = 5;
        int k = 7;
        float[] w = new float[n * k];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-1, 1) * (1 + i / k);
        }
        ChannelQuantizer.Quantized q = ChannelQuantizer.quantize(Tensor.ofFloats("w", new long[] {n, k}, w));
        assertThat(q.k()).isEqualTo(k);
        assertThat(q.n()).isEqualTo(n);
        for (int c = 0; c < n; c++) {
            float max = 0;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, Math.abs(w[c * k + j]));
            }
            assertThat(q.scales()[c]).isEqualTo(max / 127);
            boolean reachesTheEnd = false;
            for (int j = 0; j < k; j++) {
                byte code = q.codes()[j * n + c];
                reachesTheEnd |= Math.abs(code) == 127;
                assertThat(Math.abs(code * q.scales()[c] - w[c * k + j])).isLessThanOrEqualTo(q.scales()[c] / 2 * 1.0001f);
            }
            assertThat(reachesTheEnd).as("channel %d's largest value maps to ±127", c).isTrue();
        }
    }

    @Test
    void anAllZeroChannelHasScaleOneAndZeroCodes() {
        ChannelQuantizer.Quantized q = ChannelQuantizer.quantize(Tensor.ofFloats("w", new long[] {2, 3}, new float[] {0, 0, 0, 1, -2, 0.5f}));
        assertThat(q.scales()[0]).isEqualTo(1f);
        assertThat(new byte[] {q.codes()[0], q.codes()[2], q.codes()[4]}).containsOnly(0);
        assertThat(new byte[] {q.codes()[1], q.codes()[3], q.codes()[5]}).containsExactly(64, -127, 32);
    }
}
