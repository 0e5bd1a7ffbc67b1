package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.image.PillowResize;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.tensor.ops.BilinearResize;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** SAM preprocessing and the resizes of post-processing against the golden set: Pillow bilinear bit-exact, normalisation, torch bilinear. */
class SamPreprocessingGoldenTest {

    static Stream<JsonNode> pillowItems() {
        List<JsonNode> items = new ArrayList<>();
        SamGolden.json(GoldenSam.file("conformance/pillow_bilinear/pillow_bilinear.json")).get("items").forEach(items::add);
        assertThat(items).isNotEmpty();
        return items.stream();
    }

    @ParameterizedTest
    @MethodSource("pillowItems")
    void pillowBilinearConformanceIsBitExact(JsonNode item) {
        Path dir = GoldenSam.file("conformance/pillow_bilinear");
        RgbImage expected = SamGolden.decode(dir.resolve(item.get("output").asString()));
        RgbImage actual = PillowResize.resize(SamGolden.decode(dir.resolve(item.get("input").asString())),
                item.get("output_wh").get(0).asInt(), item.get("output_wh").get(1).asInt(), PillowResize.Filter.BILINEAR);
        assertThat(actual.width()).isEqualTo(expected.width());
        assertThat(actual.height()).isEqualTo(expected.height());
        assertThat(actual.rgb()).as(item.get("call").asString()).isEqualTo(expected.rgb());
    }

    @ParameterizedTest
    @MethodSource("dev.osprey.model.sam.SamGolden#images")
    void resizeLongestSideGivesTheGoldenSizeAndPixels(String image) {
        JsonNode json = SamGolden.imageJson(image);
        SamInput input = new SamPreprocessor(SamGolden.tinyConfig()).prepare(SamGolden.image(image));
        assertThat(new int[] {input.inputHeight(), input.inputWidth()})
                .containsExactly(json.get("input_size").get(0).asInt(), json.get("input_size").get(1).asInt());
        assertThat(new int[] {input.originalHeight(), input.originalWidth()})
                .containsExactly(json.get("original_size").get(0).asInt(), json.get("original_size").get(1).asInt());
        RgbImage expected = SamGolden.decode(GoldenSam.file("reference/" + image + "/" + json.get("resized_png").asString()));
        assertThat(input.resized().rgb()).as(image + " resized.png").isEqualTo(expected.rgb());
    }

    @ParameterizedTest
    @MethodSource("dev.osprey.model.sam.SamGolden#images")
    void normalisedInputMatchesTheValidPartAndIsZeroPadded(String image) {
        SamConfig config = SamGolden.tinyConfig();
        RgbImage resized = SamGolden.decode(GoldenSam.file("reference/" + image + "/resized.png"));
        float[] pixels = new SamPreprocessor(config).normalisedPadded(resized);
        int side = config.imageSize();
        float[] valid = new float[3 * resized.height() * resized.width()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float v = pixels[(c * side + y) * side + x];
                    if (y < resized.height() && x < resized.width()) {
                        valid[(c * resized.height() + y) * resized.width() + x] = v;
                    } else {
                        assertThat(v).as("padding at c %d y %d x %d", c, y, x).isZero();
                    }
                }
            }
        }
        try (SafetensorsFile file = SafetensorsFile.open(GoldenSam.file("reference/" + image + "/image.safetensors"))) {
            if (file.contains("input_image_valid")) {
                Golden.assertClose(image + " input_image_valid", valid, file.get("input_image_valid").toFloats(), 1e-6, 0);
            }
        }
    }

    @Test
    void torchBilinearConformanceWithinTolerance() {
        int compared = 0;
        try (SafetensorsFile set = SafetensorsFile.open(GoldenSam.file("conformance/interpolate/interpolate.safetensors"))) {
            for (String name : set.names()) {
                if (!name.startsWith("out.")) {
                    continue;
                }
                Tensor in = set.get("in." + name.substring(4));
                Tensor out = set.get(name);
                long[] s = in.shape();
                long[] o = out.shape();
                float[] actual = BilinearResize.resize(in.toFloats(), (int) (s[0] * s[1]), (int) s[2], (int) s[3], (int) o[2], (int) o[3]);
                Golden.assertClose("interpolate " + name, actual, out.toFloats(), 1e-5, 0);
                compared++;
            }
        }
        assertThat(compared).isPositive();
    }
}
