package dev.osprey.model.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.PngMasks;
import dev.osprey.model.vision.FeatureMap;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Masks that vanish on some or all levels (golden conformance masks on the golden s1_img0
 * features): the tokens stay finite and equal the reference formula, where a vanished level pools to
 * zeros and so contributes only its Linear's bias.
 */
class MaskExtractorEdgeCaseTest {

    private static final String P = MaskExtractorWeights.PREFIX;

    private static SafetensorsFile checkpoint;
    private static SafetensorsFile golden;
    private static MaskExtractor extractor;
    private static FeatureMaps features;

    @BeforeAll
    static void load() {
        checkpoint = SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"));
        golden = Golden.tensors("s1_img0");
        extractor = new MaskExtractor(MaskExtractorWeights.load(checkpoint));
        features = FeatureMaps.read(golden);
    }

    @AfterAll
    static void close() {
        checkpoint.close();
        golden.close();
    }

    @Test
    void anEmptyMaskGivesTheBiasOnlyTokens() throws IOException {
        BinaryMask empty = conformanceMask("mask_00.png");
        assertThat(empty.area()).isZero();
        ExtractorStages stages = extractor.stages(features, List.of(empty));

        assertThat(stages.tokens().cellsPerLevel()[0]).containsExactly(0, 0, 0, 0);
        float[] summedBiases = new float[checkpoint.floats(P + "res2.bias").length];
        for (int k = 0; k < 4; k++) {
            assertThat(stages.pooled().get(k)[0]).containsOnly(0f);
            float[] bias = checkpoint.floats(P + FeatureMaps.NAMES.get(k) + ".bias");
            assertThat(stages.levelFeatures().get(k)[0]).containsExactly(bias);
            for (int i = 0; i < bias.length; i++) {
                summedBiases[i] += bias[i];
            }
        }
        Golden.assertClose("empty mask_tokens", stages.tokens().maskTokens(),
                NaiveLinear.apply(checkpoint, P + "feat_linear", summedBiases), 1e-6, 1e-6);
        assertThat(stages.posInput()[0]).containsOnly(0f);
        Golden.assertClose("empty pos_tokens", stages.tokens().posTokens(), naivePosToken(new float[stages.posInput()[0].length]), 1e-6, 1e-6);
    }

    @Test
    void aSinglePixelVanishesOnTheCoarseLevelsButStaysFinite() throws IOException {
        // 20x214 mask, pixel (x 11, y 112): bilinear sampling touches it from 13 x 1 cells of 128x128,
        // 6 x 1 of 64x64, and no row of 32x32 or 16x16 samples between rows 111 and 113
        BinaryMask pixel = conformanceMask("mask_02.png");
        assertThat(pixel.area()).isEqualTo(1);
        ExtractorStages stages = extractor.stages(features, List.of(pixel));

        assertThat(stages.tokens().cellsPerLevel()[0]).containsExactly(13, 6, 0, 0);
        assertThat(stages.pooled().get(2)[0]).containsOnly(0f);
        assertThat(stages.levelFeatures().get(3)[0]).containsExactly(checkpoint.floats(P + "res5.bias"));
        float[] summed = new float[stages.levelFeatures().getFirst()[0].length];
        for (int k = 0; k < 4; k++) {
            float[] f = NaiveLinear.apply(checkpoint, P + FeatureMaps.NAMES.get(k), stages.pooled().get(k)[0]);
            for (int i = 0; i < f.length; i++) {
                summed[i] += f[i];
            }
        }
        Golden.assertClose("pixel mask_tokens", stages.tokens().maskTokens(), NaiveLinear.apply(checkpoint, P + "feat_linear", summed), 1e-5, 1e-5);
        Golden.assertClose("pixel pos_tokens", stages.tokens().posTokens(), naivePosToken(stages.posInput()[0]), 1e-5, 1e-5);
        for (float v : stages.tokens().maskTokens()) {
            assertThat(v).isFinite();
        }
    }

    @Test
    void featuresOfAnotherModelAndMixedMaskSizesAreRejected() {
        assertThatThrownBy(() -> extractor.extract(features, List.of(BinaryMask.empty(4, 4), BinaryMask.empty(4, 5))))
                .isInstanceOf(OspreyException.class)
                .hasMessage("region 2: mask is 5x4, region 1's is 4x4 (all masks must have the image's size)");
        FeatureMap res2 = features.level(0);
        FeatureMap wrong = new FeatureMap(res2.name(), res2.channels() * 2, res2.height() / 2, res2.width(), new float[res2.values().length]);
        FeatureMaps other = new FeatureMaps(List.of(wrong, features.level(1), features.level(2), features.level(3)));
        assertThatThrownBy(() -> extractor.extract(other, List.of(BinaryMask.empty(4, 4))))
                .isInstanceOf(OspreyException.class)
                .hasMessage("feature map res2 has 16 channels, the mask extractor expects 8 (features from another model?)");
    }

    private static float[] naivePosToken(float[] posInput) {
        float[] h = NaiveLinear.relu(NaiveLinear.apply(checkpoint, P + "mask_linear.layers.0", posInput));
        h = NaiveLinear.relu(NaiveLinear.apply(checkpoint, P + "mask_linear.layers.1", h));
        return NaiveLinear.apply(checkpoint, P + "mask_linear.layers.2", h);
    }

    private static BinaryMask conformanceMask(String name) throws IOException {
        return PngMasks.decode(Files.readAllBytes(Golden.file("conformance/pycocotools/masks/" + name)));
    }
}
