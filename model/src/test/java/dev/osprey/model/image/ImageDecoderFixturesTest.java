package dev.osprey.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * One fixture per PNG mode and JPEG kind (src/test/resources/image, made by make_fixtures.py) decoded
 * to the RGB bytes Pillow's {@code convert('RGB')} (and {@code exif_transpose}) gave for the same file.
 */
class ImageDecoderFixturesTest {

    private final ImageDecoder decoder = new ImageDecoder();

    static Stream<String> decodableFixtures() {
        List<String> names = new ArrayList<>();
        Fixtures.manifest().properties().forEach(entry -> {
            if (!entry.getValue().get("pillow_mode").asString().equals("CMYK")) {
                names.add(entry.getKey());
            }
        });
        assertThat(names).hasSizeGreaterThanOrEqualTo(36);
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("decodableFixtures")
    void decodesToPillowsRgbBytes(String file) {
        JsonNode fixture = Fixtures.manifest().get(file);
        RgbImage image = decoder.decode(Fixtures.resource(file));
        assertThat(image.width()).as("%s width", file).isEqualTo(fixture.get("width").asInt());
        assertThat(image.height()).as("%s height", file).isEqualTo(fixture.get("height").asInt());
        byte[] expected = Fixtures.expectedRgb(file.substring(0, file.lastIndexOf('.')));
        assertThat(Fixtures.maxChannelDifference(image.rgb(), expected))
                .as("%s (%s): max per-channel difference from Pillow", file, fixture.get("note").asString())
                .isZero();
    }

    @Test
    void everyPngModeHasAFixture() {
        List<String> modes = new ArrayList<>();
        Fixtures.manifest().forEach(fixture -> modes.add(fixture.get("pillow_mode").asString()));
        assertThat(modes).contains("1", "L", "I", "LA", "RGB", "RGBA", "P", "CMYK");
    }
}
