package dev.osprey.model.tensor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link BilinearResize#resizeMask} is {@link BilinearResize#resize} of the mask as floats, bit for bit. */
class MaskResizeTest {

    @Test
    void byteMasksResizeExactlyAsTheirFloatPlanes() {
        Random random = new Random(3);
        int[][] sizes = {{480, 640, 128, 128}, {200, 1024, 16, 16}, {7, 5, 112, 112}, {97, 131, 64, 64}, {33, 33, 33, 33}};
        for (int[] s : sizes) {
            byte[] mask = new byte[s[0] * s[1]];
            // a few blobs and single pixels, and empty rows between them
            for (int blob = 0; blob < 4; blob++) {
                int y0 = random.nextInt(s[0]);
                int x0 = random.nextInt(s[1]);
                int h = 1 + random.nextInt(Math.max(1, s[0] / 5));
                int w = 1 + random.nextInt(Math.max(1, s[1] / 5));
                for (int y = y0; y < Math.min(s[0], y0 + h); y++) {
                    for (int x = x0; x < Math.min(s[1], x0 + w); x++) {
                        mask[y * s[1] + x] = 1;
                    }
                }
            }
            float[] floats = new float[mask.length];
            for (int i = 0; i < mask.length; i++) {
                floats[i] = mask[i];
            }
            assertThat(BilinearResize.resizeMask(mask, s[0], s[1], s[2], s[3]))
                    .as("%dx%d -> %dx%d", s[0], s[1], s[2], s[3])
                    .containsExactly(BilinearResize.resize(floats, 1, s[0], s[1], s[2], s[3]));
        }
    }
}
