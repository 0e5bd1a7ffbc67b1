package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.image.RgbImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The image encoder graph against every golden image's embedding (from the golden resized image), and end to end from the PNG. */
class SamEncoderGoldenTest {

    private static SamPredictor sam;

    @BeforeAll
    static void open() {
        sam = SamPredictor.open(SamGolden.tinyGraphs(), 2);
    }

    @AfterAll
    static void close() {
        sam.close();
    }

    @ParameterizedTest
    @MethodSource("dev.osprey.model.sam.SamGolden#images")
    void imageEmbeddingsMatchFromTheGoldenInput(String image) {
        SamEmbedding golden = SamGolden.embedding(image);
        RgbImage resized = SamGolden.decode(GoldenSam.file("reference/" + image + "/resized.png"));
        SamInput input = new SamInput(resized, new SamPreprocessor(sam.config()).normalisedPadded(resized), golden.originalHeight(),
                golden.originalWidth());
        SamEmbedding actual = sam.embed(input);
        double error = Golden.relativeMaxError(actual.values(), golden.values());
        System.out.printf("%s image_embeddings max|a-b|/max|b| %.2e (max|a-b| %.2e)%n", image, error, SamGolden.maxAbs(actual.values(), golden.values()));
        assertThat(error).as(image + " image_embeddings max|a-b|/max|b|").isLessThanOrEqualTo(1e-4);
        assertThat(new int[] {actual.inputHeight(), actual.inputWidth(), actual.channels()})
                .containsExactly(golden.inputHeight(), golden.inputWidth(), golden.channels());
    }
}
