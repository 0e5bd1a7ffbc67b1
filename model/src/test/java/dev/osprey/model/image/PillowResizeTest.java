package dev.osprey.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Against Pillow's own BICUBIC resizes (the golden set's, Pillow 12, and fixtures'): bytes must be identical. */
class PillowResizeTest {

    static Stream<Arguments> conformanceItems() {
        JsonNode items = JsonMapper.builder().build().readTree(Golden.file("conformance/pillow/pillow.json").toFile()).get("items");
        List<Arguments> cases = new ArrayList<>();
        items.forEach(item -> cases.add(Arguments.of(item.get("input").asString(), item.get("output").asString(),
                item.get("output_wh").get(0).asInt(), item.get("output_wh").get(1).asInt())));
        assertThat(cases).hasSize(5);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} -> {1} ({2}x{3})")
    @MethodSource("conformanceItems")
    void conformanceResizeIsByteIdenticalToPillow(String input, String output, int width, int height) {
        RgbImage expected = Fixtures.goldenImage("conformance/pillow/" + output);
        RgbImage actual = PillowResize.resize(Fixtures.goldenImage("conformance/pillow/" + input), width, height);
        assertThat(actual.width()).isEqualTo(expected.width());
        assertThat(actual.height()).isEqualTo(expected.height());
        assertThat(Fixtures.maxChannelDifference(actual.rgb(), expected.rgb())).as(input).isZero();
    }

    @ParameterizedTest
    @MethodSource("dev.osprey.model.image.Fixtures#goldenCases")
    void goldenShortestEdgeResizeIsByteIdenticalToPillow(String caseName) {
        RgbImage input = Fixtures.goldenImage("inputs/images/" + caseName + ".png");
        RgbImage expected = Fixtures.goldenImage("reference/" + caseName + "/resized_bicubic.png");
        RgbImage actual = PillowResize.resize(input, expected.width(), expected.height());
        assertThat(Fixtures.maxChannelDifference(actual.rgb(), expected.rgb())).as(caseName).isZero();
    }

    @ParameterizedTest
    @CsvSource({"17, 50", "200, 9", "61, 5", "3, 23"})
    void axesResizedInOppositeDirectionsMatchPillow(int width, int height) {
        // resize_input.png is 61x23: narrower and taller, wider and shorter, one axis only.
        RgbImage actual = PillowResize.resize(new ImageDecoder().decode(Fixtures.resource("resize_input.png")), width, height);
        assertThat(actual.rgb()).isEqualTo(Fixtures.expectedRgb("resize_" + width + "x" + height));
    }

    @Test
    void unchangedSizeSkipsBothPassesAndOneAxisOnlyTouchesThatAxis() {
        RgbImage image = new RgbImage(2, 1, new byte[] {10, 20, 30, 40, 50, 60});
        assertThat(PillowResize.resize(image, 2, 1)).isSameAs(image);
        RgbImage taller = PillowResize.resize(image, 2, 3);
        // A vertical-only upscale of a single row repeats it: every weight set sums to 1 over one pixel.
        assertThat(taller.rgb()).containsExactly(10, 20, 30, 40, 50, 60, 10, 20, 30, 40, 50, 60, 10, 20, 30, 40, 50, 60);
    }

    @Test
    void rejectsAnEmptyTargetSize() {
        RgbImage image = new RgbImage(1, 1, new byte[3]);
        assertThatThrownBy(() -> PillowResize.resize(image, 0, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
