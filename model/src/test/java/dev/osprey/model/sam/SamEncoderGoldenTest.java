package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The image encoder graph against every golden image's embedding, from the golden resized image as the
 * README prescribes, and every predictor case end to end from the PNG (embedding, then prompts).
 */
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

    @ParameterizedTest
    @MethodSource("dev.osprey.model.sam.SamGolden#images")
    void everyCaseMatchesEndToEndFromThePng(String image) {
        SamEmbedding embedding = sam.embed(SamGolden.image(image));
        SamGolden.cases().filter(c -> c.image().equals(image)).forEach(c -> {
            try (SafetensorsFile golden = c.tensors()) {
                float[] maskInput = golden.contains("mask_input") ? golden.get("mask_input").toFloats() : null;
                SamPrediction p = sam.predict(embedding, SamGolden.prompt(c, maskInput), c.json().get("api").get("multimask_output").asBoolean());
                System.out.printf("%s end to end: low_res_logits max|a-b| %.2e%n", c, SamGolden.maxAbs(p.lowResLogits(),
                        golden.get("low_res_logits").toFloats()));
                Golden.assertClose(c + " low_res_logits end to end", p.lowResLogits(), golden.get("low_res_logits").toFloats(), 2e-3, 1e-4);
                Golden.assertClose(c + " iou_predictions end to end", p.iouPredictions(), golden.get("iou_predictions").toFloats(), 1e-4, 0);
                long[] band = SamGolden.longs(golden.get("band_index"));
                float[] bandLogits = golden.get("band_logits").toFloats();
                for (int k = 0; k < p.count(); k++) {
                    BinaryMask expected = SamGolden.png(c.dir().resolve(c.json().get("masks").get(k).get("png").asString()));
                    SamGolden.assertWithinBand(c + " mask " + k + " end to end", SamMasks.mask(p, k, embedding), expected, k, band, bandLogits);
                }
            }
        });
    }
}
