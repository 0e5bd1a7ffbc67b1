package dev.osprey.model.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The float32 vision model built from the golden checkpoint reproduces the reference res2..res5 and
 * image_embeds for every golden case (golden README: atol 1e-4, rtol 1e-4), batched or not.
 */
class OnnxVisionTowerGoldenTest {

    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;

    @TempDir
    static Path dir;
    static OnnxVisionTower tower;

    @BeforeAll
    static void buildAndOpen() {
        tower = OnnxVisionTower.open(TinyVision.build(dir), 1);
    }

    @AfterAll
    static void close() {
        tower.close();
    }

    @Test
    void everyGoldenCaseMatchesTheReferenceInBatchesOfTwo() {
        List<VisionFeatures> features = new ArrayList<>();
        for (int i = 0; i < Golden.CASES.length; i += 2) {
            features.addAll(tower.encode(concat(TinyVision.pixelValues(Golden.CASES[i]), TinyVision.pixelValues(Golden.CASES[i + 1]))));
        }

        assertThat(features).hasSize(Golden.CASES.length);
        for (int i = 0; i < Golden.CASES.length; i++) {
            assertMatchesGolden(Golden.CASES[i], features.get(i));
        }
    }

    @Test
    void aBatchOfTwoGivesWhatTwoSingleImagesGive() {
        float[] first = TinyVision.pixelValues(Golden.CASES[0]);
        float[] second = TinyVision.pixelValues(Golden.CASES[3]);

        List<VisionFeatures> batched = tower.encode(concat(first, second));
        List<VisionFeatures> single = List.of(tower.encode(first).getFirst(), tower.encode(second).getFirst());

        for (int i = 0; i < 2; i++) {
            List<Tensor> expected = single.get(i).toTensors();
            List<Tensor> actual = batched.get(i).toTensors();
            for (int t = 0; t < expected.size(); t++) {
                assertThat(actual.get(t).shape()).isEqualTo(expected.get(t).shape());
                // Zero tolerance: batching must not change a single bit.
                Golden.assertClose("image " + i + " " + expected.get(t).name(), actual.get(t).toFloats(), expected.get(t).toFloats(), 0, 0);
            }
        }
    }

    @Test
    void pixelValuesThatAreNotWholeImagesAreRejected() {
        assertThatThrownBy(() -> tower.encode(new float[3 * 512 * 512 + 1]))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT))
                .hasMessageContaining("expected a positive multiple of 786432 (images of [3, 512, 512])");
    }

    private static void assertMatchesGolden(String caseName, VisionFeatures features) {
        try (SafetensorsFile golden = Golden.tensors(caseName)) {
            for (Tensor actual : features.toTensors()) {
                Tensor expected = golden.get(actual.name());
                assertThat(actual.shape()).as("%s %s shape", caseName, actual.name()).isEqualTo(expected.shape());
                float[] a = actual.toFloats();
                float[] b = expected.toFloats();
                System.out.printf("vision golden %s %-12s max|diff| %.3e  relative max error %.3e%n",
                        caseName, actual.name(), maxAbsDiff(a, b), Golden.relativeMaxError(a, b));
                Golden.assertClose(caseName + " " + actual.name(), a, b, ATOL, RTOL);
            }
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    private static float[] concat(float[] first, float[] second) {
        float[] both = new float[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
