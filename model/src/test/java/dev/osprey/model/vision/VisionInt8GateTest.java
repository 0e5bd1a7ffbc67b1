package dev.osprey.model.vision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.CheckpointGeometry;
import dev.osprey.model.checkpoint.RandomCheckpoint;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 vision graph's gate against float32, per level (res2..res5, image_embeds): the feature
 * cosine and the relative error ||int8 - fp32|| / ||fp32||, on the golden checkpoint's four cases
 * and on a ConvNeXt-L-shaped random model (real widths 192..1536 and the 4096-wide projector, with
 * depths 1/1/3/1 instead of 3/3/27/3 to keep the test to seconds; BENCHMARKS.md gives the full depth).
 *
 * <p>Bounds are the measured worst case with about 2x headroom on the relative error, and the
 * cosine that such an error allows (1 - cos ≈ err² / 2 for an error uncorrelated with the features).
 * The error grows with depth, from res2 to image_embeds; activations quantised to 6 bits instead of 8
 * (4x the rounding) already fail at res2 (1.4 % on the golden cases, 2.0 % at ConvNeXt-L widths).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VisionInt8GateTest {

    /**
     * Worst of the four golden cases when set (relative error / cosine): res2 0.46 % / 0.999990, res3
     * 0.51 % / 0.999987, res4 0.93 % / 0.999957, res5 1.13 % / 0.999937, image_embeds 1.73 % / 0.999850.
     */
    private static final Map<String, Gate> GOLDEN = Map.of(
            "res2", new Gate(0.99995, 0.01), "res3", new Gate(0.99995, 0.01), "res4", new Gate(0.9998, 0.02),
            "res5", new Gate(0.9997, 0.025), VisionGraphBuilder.IMAGE_EMBEDS, new Gate(0.9994, 0.035));
    /**
     * Worst of the two images when set: res2 0.52 % / 0.999986, res3 0.79 % / 0.999969, res4 1.36 % /
     * 0.999908, res5 1.50 % / 0.999887, image_embeds 2.12 % / 0.999777.
     */
    private static final Map<String, Gate> CONVNEXT_L = Map.of(
            "res2", new Gate(0.99995, 0.01), "res3", new Gate(0.9999, 0.015), "res4", new Gate(0.9997, 0.025),
            "res5", new Gate(0.9996, 0.03), VisionGraphBuilder.IMAGE_EMBEDS, new Gate(0.9992, 0.04));

    /** One level's bounds. */
    private record Gate(double minCosine, double maxRelativeError) {
    }

    @TempDir
    static Path dir;
    private OnnxVisionTower goldenFp32;
    private OnnxVisionTower goldenInt8;

    @BeforeAll
    void build() {
        try (SafetensorsFile checkpoint = TinyVision.checkpoint()) {
            VisionConfig config = VisionConfig.from(checkpoint);
            goldenFp32 = OnnxVisionTower.open(VisionGraphBuilder.write(checkpoint, config, VisionPrecision.FP32, dir.resolve("fp32")), 1);
            goldenInt8 = OnnxVisionTower.open(VisionGraphBuilder.write(checkpoint, config, VisionPrecision.INT8, dir.resolve("int8")), 1);
        }
    }

    @AfterAll
    void close() {
        goldenFp32.close();
        goldenInt8.close();
    }

    @Test
    void int8StaysWithinTheGateOfFp32OnEveryGoldenCase() {
        for (String caseName : Golden.CASES) {
            float[] pixels = TinyVision.pixelValues(caseName);
            assertWithinGate("golden " + caseName, goldenInt8.encode(pixels).getFirst(), goldenFp32.encode(pixels).getFirst(), GOLDEN);
        }
    }

    @Test
    void int8FeaturesOfAnImageDoNotDependOnItsBatchMates() {
        float[] first = TinyVision.pixelValues(Golden.CASES[1]);
        float[] second = TinyVision.pixelValues(Golden.CASES[2]);
        float[] both = new float[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);

        List<VisionFeatures> batched = goldenInt8.encode(both);
        List<VisionFeatures> single = List.of(goldenInt8.encode(first).getFirst(), goldenInt8.encode(second).getFirst());

        for (int i = 0; i < 2; i++) {
            List<Tensor> expected = single.get(i).toTensors();
            List<Tensor> actual = batched.get(i).toTensors();
            for (int t = 0; t < expected.size(); t++) {
                // Zero tolerance: activation scales are per pixel, so a batch mate changes no code.
                Golden.assertClose("int8 image " + i + " " + expected.get(t).name(), actual.get(t).toFloats(), expected.get(t).toFloats(), 0, 0);
            }
        }
    }

    @Test
    void int8StaysWithinTheGateOfFp32AtConvNextLargeWidths() {
        CheckpointGeometry large = CheckpointGeometry.OSPREY_7B;
        CheckpointGeometry shallow = new CheckpointGeometry(large.hidden(), 1, large.heads(), large.kvHeads(), large.intermediate(), large.vocab(),
                new int[] {1, 1, 3, 1}, large.visionDims(), large.clipEmbed(), large.extractorDim(), large.maskShape(), 1);
        Path fp32;
        Path int8;
        try (TensorStore weights = new RandomCheckpoint(shallow, 7).visionWeights()) {
            VisionConfig config = VisionConfig.from(weights);
            assertThat(config.dims()).containsExactly(192, 384, 768, 1536);
            assertThat(config.hidden()).isEqualTo(4096);
            fp32 = VisionGraphBuilder.write(weights, config, VisionPrecision.FP32, dir.resolve("large-fp32"));
            int8 = VisionGraphBuilder.write(weights, config, VisionPrecision.INT8, dir.resolve("large-int8"));
        }
        float[] first = TinyVision.pixelValues(Golden.CASES[0]);
        float[] second = TinyVision.pixelValues(Golden.CASES[3]);
        float[] both = new float[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        List<VisionFeatures> reference;
        List<VisionFeatures> quantised;
        try (OnnxVisionTower tower = OnnxVisionTower.open(fp32, 2)) {
            reference = tower.encode(both);
        }
        try (OnnxVisionTower tower = OnnxVisionTower.open(int8, 2)) {
            quantised = tower.encode(both);
        }
        for (int i = 0; i < 2; i++) {
            assertWithinGate("ConvNeXt-L widths, image " + i, quantised.get(i), reference.get(i), CONVNEXT_L);
        }
    }

    private static void assertWithinGate(String what, VisionFeatures int8, VisionFeatures fp32, Map<String, Gate> gates) {
        List<FeatureAgreement> levels = FeatureAgreement.of(int8, fp32);
        assertThat(levels).extracting(FeatureAgreement::level).containsExactlyInAnyOrderElementsOf(gates.keySet());
        for (FeatureAgreement level : levels) {
            System.out.println("int8 vs fp32, " + what + ": " + level);
            Gate gate = gates.get(level.level());
            assertThat(level.cosine()).as("%s %s cosine", what, level.level()).isGreaterThanOrEqualTo(gate.minCosine());
            assertThat(level.relativeError()).as("%s %s relative error", what, level.level()).isLessThanOrEqualTo(gate.maxRelativeError());
        }
    }
}
