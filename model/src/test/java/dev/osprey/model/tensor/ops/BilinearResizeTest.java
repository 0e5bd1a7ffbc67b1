package dev.osprey.model.tensor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Against the golden conformance set made with torch.nn.functional.interpolate. */
class BilinearResizeTest {

    @Test
    void matchesTorchOnEveryConformanceInputAndSize() {
        int compared = 0;
        try (SafetensorsFile set = SafetensorsFile.open(Golden.file("conformance/interpolate/interpolate.safetensors"))) {
            for (String name : set.names()) {
                if (!name.startsWith("out.")) {
                    continue;
                }
                String[] parts = name.split("\\.");
                Tensor input = set.get("in." + parts[1]);
                Tensor expected = set.get(name);
                int size = Integer.parseInt(parts[2]);
                float[] actual = BilinearResize.resize(input.toFloats(), 1, (int) input.shape()[0], (int) input.shape()[1], size, size);
                Golden.assertClose(name, actual, expected.toFloats(), 1e-6, 0);
                compared++;
            }
        }
        assertThat(compared).isEqualTo(25);
    }

    @Test
    void sameSizeIsIdentityAndUpsamplingInterpolates() {
        float[] plane = {0, 1, 2, 3};
        assertThat(BilinearResize.resize(plane, 1, 2, 2, 2, 2)).containsExactly(plane);
        float[] up = BilinearResize.resize(new float[] {0, 4}, 1, 1, 2, 1, 4);
        assertThat(up).containsExactly(0f, 1f, 3f, 4f);
    }

    /** SAM's postprocessing shapes (landscape, portrait, up and down) and odd ones, against two resizes and a crop. */
    @Test
    void resizingACornerThenResizingGivesTheValuesOfTwoResizesAndACrop() {
        int[][] shapes = {
            // in, mid, keep, out (height, width each)
            {256, 256, 1024, 1024, 768, 1024, 360, 480},
            {256, 256, 1024, 1024, 1024, 683, 1500, 1000},
            {7, 5, 13, 11, 9, 6, 4, 17},
            {3, 4, 3, 4, 3, 4, 3, 4},
        };
        SplittableRandom random = new SplittableRandom(5);
        for (int[] s : shapes) {
            float[] in = new float[s[0] * s[1]];
            for (int i = 0; i < in.length; i++) {
                in[i] = (float) random.nextGaussian() * 8;
            }
            float[] mid = BilinearResize.resize(in, 1, s[0], s[1], s[2], s[3]);
            float[] kept = new float[s[4] * s[5]];
            for (int y = 0; y < s[4]; y++) {
                System.arraycopy(mid, y * s[3], kept, y * s[5], s[5]);
            }
            float[] expected = BilinearResize.resize(kept, 1, s[4], s[5], s[6], s[7]);
            float[] actual = BilinearResize.resizeCornerThenResize(in, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
            // The first value that differs (-1: none); containsExactly takes minutes on a million values.
            assertThat(Arrays.mismatch(actual, expected)).as(Arrays.toString(s)).isEqualTo(-1);
        }
    }
}
