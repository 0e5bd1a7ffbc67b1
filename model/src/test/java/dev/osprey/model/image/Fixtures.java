package dev.osprey.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The image fixtures under {@code src/test/resources/image} and golden files, as bytes and images. */
final class Fixtures {

    private static final ImageDecoder DECODER = new ImageDecoder();

    private Fixtures() {
    }

    /** A file under {@code src/test/resources/image}, which must exist. */
    static byte[] resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/image/" + name)) {
            assertThat(in).as("test resource image/%s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code fixtures.json}: per fixture file its Pillow size, mode and a note. */
    static JsonNode manifest() {
        return JsonMapper.builder().build().readTree(resource("fixtures.json")).get("fixtures");
    }

    /** Pillow's RGB bytes for a fixture ({@code expected/<stem>.rgb}). */
    static byte[] expectedRgb(String stem) {
        return resource("expected/" + stem + ".rgb");
    }

    /** The golden case names, for {@code @MethodSource("dev.osprey.model.image.Fixtures#goldenCases")}. */
    static Stream<String> goldenCases() {
        return Arrays.stream(Golden.CASES);
    }

    /** A golden file decoded with our own decoder. */
    static RgbImage goldenImage(String relative) {
        return decode(Golden.file(relative));
    }

    static RgbImage decode(Path file) {
        try {
            return DECODER.decode(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The largest per-channel difference between two equally sized images. */
    static int maxChannelDifference(byte[] actual, byte[] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        int max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs((actual[i] & 0xFF) - (expected[i] & 0xFF)));
        }
        return max;
    }
}
