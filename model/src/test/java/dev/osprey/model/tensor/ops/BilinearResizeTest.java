package dev.osprey.model.tensor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.tensor.Tensor;
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
}
