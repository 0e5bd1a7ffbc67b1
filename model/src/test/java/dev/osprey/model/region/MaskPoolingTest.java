package dev.osprey.model.region;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.vision.FeatureMap;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mask pooling adds in one fixed order, however warm the JIT is: the same mask over the same map
 * pools to the same bits on the first call and the ten-thousandth, so a conversion's KV calibration
 * and a greedy answer repeat exactly.
 */
class MaskPoolingTest {

    private static final int CHANNELS = 2 * 8 + 3;
    private static final int SIDE = 24;

    @Test
    void everyCallPoolsToTheSameBitsInOneFixedOrder() {
        SplittableRandom random = new SplittableRandom(11);
        float[] values = new float[CHANNELS * SIDE * SIDE];
        for (int i = 0; i < values.length; i++) {
            // Magnitudes over six decades, so that a different order of adds shows in the last bits.
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 3));
        }
        FeatureMap map = new FeatureMap("test", CHANNELS, SIDE, SIDE, values);
        // Runs shorter and longer than a vector, one ending at the map's end.
        MaskPooling.Cells cells = new MaskPooling.Cells(new int[] {3, 9, 30, 77, 100, 101, 200, 260, SIDE * SIDE - 40, SIDE * SIDE}, 6 + 47 + 1 + 60 + 40);
        float[] expected = inOrder(map, cells);

        for (int call = 0; call < 10_000; call++) {
            float[] pooled = MaskPooling.pool(map, List.of(cells))[0];
            for (int c = 0; c < CHANNELS; c++) {
                if (Float.floatToRawIntBits(pooled[c]) != Float.floatToRawIntBits(expected[c])) {
                    assertThat(pooled[c]).as("channel %d on call %d", c, call).isEqualTo(expected[c]);
                }
            }
        }
    }

    /**
     * The order the kernel promises: per lane, a run's cells a vector apart, run after run; then the
     * lanes folded in a tree. Channels past the last block of eight add cell by cell.
     */
    private static float[] inOrder(FeatureMap map, MaskPooling.Cells cells) {
        int[] runs = cells.runs();
        float scale = 1f / (cells.count() + 1e-8f);
        float[] out = new float[map.channels()];
        int blocked = map.channels() / 8 * 8;
        for (int c = 0; c < map.channels(); c++) {
            int base = c * map.cells();
            float total = 0;
            if (c < blocked) {
                float[] lanes = new float[Vectors.LANES];
                for (int k = 0; k < runs.length; k += 2) {
                    for (int i = runs[k]; i < runs[k + 1]; i += Vectors.LANES) {
                        for (int j = 0; j < Vectors.LANES && i + j < runs[k + 1]; j++) {
                            lanes[j] += map.values()[base + i + j];
                        }
                    }
                }
                total = folded(lanes);
            } else {
                for (int k = 0; k < runs.length; k += 2) {
                    for (int i = runs[k]; i < runs[k + 1]; i++) {
                        total += map.values()[base + i];
                    }
                }
            }
            out[c] = total * scale;
        }
        return out;
    }

    /** Each lane plus the lane half the width further on (wrapping round), then a quarter, ... one; lane 0 at the end. */
    private static float folded(float[] lanes) {
        float[] v = lanes.clone();
        for (int w = v.length / 2; w > 0; w /= 2) {
            float[] sums = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                sums[i] = v[i] + v[(i + w) % v.length];
            }
            v = sums;
        }
        return v[0];
    }
}
