package dev.osprey.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.internal.v1.Tensor;
import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.service.TensorMessages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * The golden input images and the check that what the encoder serves for them are the reference
 * tensors, with the golden README's tolerances for res2..res5 and image_embeds (atol 1e-4, rtol 1e-4;
 * the service decodes and preprocesses the image itself, exactly as {@code osprey encode} does).
 */
public final class GoldenImages {

    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;

    private GoldenImages() {
    }

    /** The PNG bytes of a golden case's image. */
    public static byte[] bytes(String caseName) {
        try {
            return Files.readAllBytes(Golden.file("inputs/images/" + caseName + ".png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that the feature maps and image tokens served for a case are the reference's. */
    public static void assertGolden(String caseName, FeatureMaps maps, ImageTokens tokens) {
        assertThat(maps.getMapsList()).extracting(Tensor::getName).containsExactly("res2", "res3", "res4", "res5");
        try (SafetensorsFile golden = Golden.tensors(caseName)) {
            for (Tensor map : maps.getMapsList()) {
                assertClose(caseName, map, golden);
            }
            assertClose(caseName, tokens.getImageEmbeds(), golden);
        }
    }

    private static void assertClose(String caseName, Tensor actual, SafetensorsFile golden) {
        assertThat(TensorMessages.shape(actual)).as("%s %s shape", caseName, actual.getName())
                .isEqualTo(golden.get(actual.getName()).shape());
        Golden.assertClose(caseName + " " + actual.getName(), TensorMessages.floats(actual, actual.getName(), TensorMessages.shape(actual)),
                golden.floats(actual.getName()), ATOL, RTOL);
    }
}
