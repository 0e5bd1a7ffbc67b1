package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.GoldenSam;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every predictor case of the golden set from the golden image embeddings: transformed prompts,
 * prompt embeddings, low-resolution logits, IoU predictions, original-size logits and masks, with the
 * README's tolerances.
 */
class SamDecoderGoldenTest {

    private static final SamWorst WORST = new SamWorst();
    private static SamPredictor sam;

    @BeforeAll
    static void open() {
        sam = SamPredictor.openDecoder(SamGolden.tinyGraphs(), 1);
    }

    @AfterAll
    static void close() {
        WORST.print("predictor");
        sam.close();
    }

    @Test
    void imagePositionalEncodingMatches() {
        try (SafetensorsFile common = SafetensorsFile.open(GoldenSam.file("reference/common.safetensors"))) {
            WORST.record("image_pe", SamGolden.maxAbs(sam.imagePositionalEncoding(), common.get("image_pe").toFloats()));
            Golden.assertClose("image_pe", sam.imagePositionalEncoding(), common.get("image_pe").toFloats(), 1e-5, 0);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.osprey.model.sam.SamGolden#cases")
    void predictorCaseMatchesTheReference(SamGolden.Case c) {
        SamEmbedding embedding = SamGolden.embedding(c.image());
        try (SafetensorsFile golden = c.tensors()) {
            float[] maskInput = golden.contains("mask_input") ? golden.get("mask_input").toFloats() : null;
            SamPrompt prompt = SamGolden.prompt(c, maskInput);
            boolean multimask = c.json().get("api").get("multimask_output").asBoolean();
            SamDecoderInput in = SamPrompts.toDecoderInput(List.of(prompt), embedding, sam.config().lowResSide());
            assertPrompt(c, prompt, in, golden);
            SamPrediction all = sam.decode(embedding, in, true).getFirst();
            SamPrediction p = SamPredictor.select(all, sam.selection(multimask));

            WORST.record("sparse_embeddings", SamGolden.maxAbs(p.sparseEmbeddings(), golden.get("sparse_embeddings").toFloats()));
            WORST.record("low_res_logits", SamGolden.maxAbs(p.lowResLogits(), golden.get("low_res_logits").toFloats()));
            WORST.record("iou_predictions", SamGolden.maxAbs(p.iouPredictions(), golden.get("iou_predictions").toFloats()));
            Golden.assertClose(c + " sparse_embeddings", p.sparseEmbeddings(), golden.get("sparse_embeddings").toFloats(), 1e-5, 1e-5);
            if (golden.contains("dense_embeddings")) {
                WORST.record("dense_embeddings", SamGolden.maxAbs(p.denseEmbeddings(), golden.get("dense_embeddings").toFloats()));
                Golden.assertClose(c + " dense_embeddings", p.denseEmbeddings(), golden.get("dense_embeddings").toFloats(), 1e-4, 1e-4);
            }
            Golden.assertClose(c + " low_res_logits", p.lowResLogits(), golden.get("low_res_logits").toFloats(), 2e-3, 1e-4);
            Golden.assertClose(c + " iou_predictions", p.iouPredictions(), golden.get("iou_predictions").toFloats(), 1e-4, 0);
            assertThat(p.bestIndex()).as(c + " best mask").isEqualTo(c.json().get("best_mask_index").asInt());

            long[] band = SamGolden.longs(golden.get("band_index"));
            float[] bandLogits = golden.get("band_logits").toFloats();
            float[] fullLogits = golden.contains("masks_logits") ? golden.get("masks_logits").toFloats() : null;
            int plane = embedding.originalHeight() * embedding.originalWidth();
            for (int k = 0; k < p.count(); k++) {
                float[] logits = SamMasks.originalLogits(p, k, embedding);
                if (fullLogits != null) {
                    float[] expected = new float[plane];
                    System.arraycopy(fullLogits, k * plane, expected, 0, plane);
                    WORST.record("masks_logits", SamGolden.maxAbs(logits, expected));
                    Golden.assertClose(c + " masks_logits[" + k + "]", logits, expected, 2e-3, 1e-4);
                }
                BinaryMask mask = SamMasks.threshold(logits, embedding.originalHeight(), embedding.originalWidth());
                String png = c.json().get("masks").get(k).get("png").asString();
                BinaryMask expected = SamGolden.png(c.dir().resolve(png));
                WORST.record("mask pixels flipped", SamGolden.assertWithinBand(c + " mask " + k, mask, expected, k, band, bandLogits));
                SamGolden.assertWithinBand(c + " mask " + k + " (RLE)", mask, SamGolden.rle(c.json().get("masks").get(k).get("rle")), k, band,
                        bandLogits);
            }
        }
    }

    /** point_coords / point_labels / boxes as the predictor feeds them (no padding point, boxes [1,1,4]). */
    private static void assertPrompt(SamGolden.Case c, SamPrompt prompt, SamDecoderInput in, SafetensorsFile golden) {
        int points = prompt.points().size();
        if (golden.contains("point_coords")) {
            float[] coords = new float[points * 2];
            System.arraycopy(in.pointCoords(), 0, coords, 0, coords.length);
            WORST.record("point_coords", SamGolden.maxAbs(coords, golden.get("point_coords").toFloats()));
            Golden.assertClose(c + " point_coords", coords, golden.get("point_coords").toFloats(), 1e-4, 0);
            int[] labels = SamGolden.ints(golden.get("point_labels"));
            for (int i = 0; i < points; i++) {
                assertThat((int) in.pointLabels()[i]).as(c + " point_labels[" + i + "]").isEqualTo(labels[i]);
            }
        }
        if (golden.contains("boxes")) {
            float[] box = new float[4];
            System.arraycopy(in.pointCoords(), points * 2, box, 0, 4);
            Golden.assertClose(c + " boxes", box, golden.get("boxes").toFloats(), 1e-4, 0);
        }
        assertThat(in.points()).as(c + " decoder points").isEqualTo(points + (prompt.box() == null ? 1 : 2));
    }
}
