package dev.osprey.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Spec §1.4 against the golden {@code pixel_values}, from the golden PNGs decoded by our own decoder. */
class ImagePreprocessorTest {

    @ParameterizedTest
    @MethodSource("dev.osprey.model.image.Fixtures#goldenCases")
    void pixelValuesMatchTheReferenceWithin1e6(String caseName) {
        RgbImage image = Fixtures.goldenImage("inputs/images/" + caseName + ".png");
        float[] actual = new ImagePreprocessor().pixelValues(image);
        try (SafetensorsFile tensors = Golden.tensors(caseName)) {
            Tensor expected = tensors.get("pixel_values");
            assertThat(expected.shape()).containsExactly(3, 512, 512);
            Golden.assertClose(caseName + " pixel_values", actual, expected.toFloats(), 1e-6, 1e-6);
        }
    }

    @Test
    void shortSideBecomes512AndTheLongSideIsTruncated() {
        assertThat(ImagePreprocessor.shortestEdgeSize(640, 480, 512)).containsExactly(682, 512);
        assertThat(ImagePreprocessor.shortestEdgeSize(333, 500, 512)).containsExactly(512, 768);
        assertThat(ImagePreprocessor.shortestEdgeSize(1024, 200, 512)).containsExactly(2621, 512);
        assertThat(ImagePreprocessor.shortestEdgeSize(512, 512, 512)).containsExactly(512, 512);
    }

    @Test
    void anImageWhoseResizeWouldPassTwentyTimesTheSizeIsRefusedBeforeAllocating() {
        ImagePreprocessor preprocessor = new ImagePreprocessor();
        assertThat(preprocessor.pixelValues(new RgbImage(20, 1, filled(60, (byte) 7)))).hasSize(3 * 512 * 512);

        assertThatThrownBy(() -> preprocessor.pixelValues(new RgbImage(1, 21, filled(63, (byte) 7))))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT))
                .hasMessage("image is 1x21: resized for the vision tower its long side would be 10752 pixels, the limit is 10240"
                        + " (an aspect ratio of 20:1)");
        // Past an int: the resize target saturates and is refused all the same.
        assertThatThrownBy(() -> preprocessor.pixelValues(new RgbImage(50_000_000, 1, new byte[150_000_000])))
                .hasMessageContaining("the limit is 10240");
    }

    @Test
    void aBatchStacksEachImagesPixelValuesInOrder() {
        RgbImage grey = new RgbImage(3, 2, filled(18, (byte) 128));
        RgbImage white = new RgbImage(2, 5, filled(30, (byte) 255));
        ImagePreprocessor preprocessor = new ImagePreprocessor();
        Tensor batch = preprocessor.batch(List.of(grey, white));
        assertThat(batch.name()).isEqualTo("pixel_values");
        assertThat(batch.shape()).containsExactly(2, 3, 512, 512);
        float[] values = batch.toFloats();
        int per = 3 * 512 * 512;
        assertThat(Arrays.copyOfRange(values, 0, per)).isEqualTo(preprocessor.pixelValues(grey));
        assertThat(Arrays.copyOfRange(values, per, 2 * per)).isEqualTo(preprocessor.pixelValues(white));
        // A uniform white image normalises to (1 - mean) / std in every pixel of its channel.
        assertThat(values[per]).isEqualTo((1f - 0.48145466f) / 0.26862954f);
    }

    private static byte[] filled(int n, byte value) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, value);
        return bytes;
    }
}
