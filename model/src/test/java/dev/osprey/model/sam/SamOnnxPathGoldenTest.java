package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The decoder graph fed exactly as the official ONNX notebook feeds {@code SamOnnxModel} (padding point
 * or box corners added by the caller, float labels, mask input with its flag): all four tokens' IoUs and
 * low-res masks, the four masks at the original size, and the single-mask variant's selection.
 */
class SamOnnxPathGoldenTest {

    private static final SamWorst WORST = new SamWorst();
    private static SamPredictor sam;

    @BeforeAll
    static void open() {
        sam = SamPredictor.openDecoder(SamGolden.tinyGraphs(), 1);
    }

    @AfterAll
    static void close() {
        WORST.print("onnx path");
        sam.close();
    }

    @ParameterizedTest
    @MethodSource("dev.osprey.model.sam.SamGolden#onnxCases")
    void onnxExportOutputsMatch(SamGolden.Case c) {
        JsonNode onnx = c.json().get("onnx");
        SamEmbedding embedding = SamGolden.embedding(c.image());
        try (SafetensorsFile golden = SafetensorsFile.open(c.dir().resolve("onnx.safetensors"))) {
            SamPrediction all = sam.decode(embedding, inputs(golden, sam.config().lowResSide()), false).getFirst();
            WORST.record("multi.iou_predictions", SamGolden.maxAbs(all.iouPredictions(), golden.get("multi.iou_predictions").toFloats()));
            Golden.assertClose(c + " multi.iou_predictions", all.iouPredictions(), golden.get("multi.iou_predictions").toFloats(), 1e-4, 0);
            if (golden.contains("multi.low_res_masks")) {
                WORST.record("multi.low_res_masks", SamGolden.maxAbs(all.lowResLogits(), golden.get("multi.low_res_masks").toFloats()));
                Golden.assertClose(c + " multi.low_res_masks", all.lowResLogits(), golden.get("multi.low_res_masks").toFloats(), 2e-3, 1e-4);
            }
            long[] band = SamGolden.longs(golden.get("multi.band_index"));
            float[] bandLogits = golden.get("multi.band_logits").toFloats();
            JsonNode masks = onnx.get("multi").get("masks");
            assertThat(masks.size()).isEqualTo(all.count());
            for (int k = 0; k < all.count(); k++) {
                BinaryMask mask = SamMasks.mask(all, k, embedding);
                WORST.record("masks pixels flipped", SamGolden.assertWithinBand(c + " onnx mask " + k, mask, SamGolden.rle(masks.get(k).get("rle")),
                        k, band, bandLogits));
            }
            int points = (int) golden.get("point_labels").shape()[1];
            int selected = SamExportSelection.singleMaskIndex(all.iouPredictions(), points);
            assertThat(selected).as(c + " single.selected_index").isEqualTo(onnx.get("single").get("selected_index").asInt());
            Golden.assertClose(c + " single.iou_predictions", new float[] {all.iouPredictions()[selected]},
                    golden.get("single.iou_predictions").toFloats(), 1e-4, 0);
        }
    }

    @Test
    void droppingThePaddingPointMovesTheLogitsBeyondTolerance() {
        SamGolden.Case c = SamGolden.onnxCases().filter(x -> firstLabels(x)[firstLabels(x).length - 1] == SamPrompts.PADDING)
                .findFirst().orElseThrow();
        SamEmbedding embedding = SamGolden.embedding(c.image());
        try (SafetensorsFile golden = SafetensorsFile.open(c.dir().resolve("onnx.safetensors"))) {
            SamDecoderInput full = inputs(golden, sam.config().lowResSide());
            int n = full.points() - 1;
            float[] coords = new float[n * 2];
            float[] labels = new float[n];
            System.arraycopy(full.pointCoords(), 0, coords, 0, coords.length);
            System.arraycopy(full.pointLabels(), 0, labels, 0, n);
            SamDecoderInput withoutPadding = new SamDecoderInput(1, n, coords, labels, full.maskInput(), full.hasMaskInput());
            SamPrediction p = sam.decode(embedding, withoutPadding, false).getFirst();
            assertThat(SamGolden.maxAbs(p.iouPredictions(), golden.get("multi.iou_predictions").toFloats())).isGreaterThan(1e-3);
        }
    }

    private static float[] firstLabels(SamGolden.Case c) {
        try (SafetensorsFile golden = SafetensorsFile.open(c.dir().resolve("onnx.safetensors"))) {
            return golden.get("point_labels").toFloats();
        }
    }

    /** The ONNX inputs as stored; a case without mask input gets zeros and flag 0, as the notebook does. */
    static SamDecoderInput inputs(SafetensorsFile golden, int side) {
        long[] shape = golden.get("point_coords").shape();
        float[] mask = golden.contains("mask_input") ? golden.get("mask_input").toFloats() : new float[side * side];
        return new SamDecoderInput(1, (int) shape[1], golden.get("point_coords").toFloats(), golden.get("point_labels").toFloats(), mask,
                golden.get("has_mask_input").toFloats());
    }

    @Test
    void batchedPromptsEqualOneByOne() {
        List<SamGolden.Case> cases = SamGolden.cases().filter(c -> c.image().equals(SamGolden.images().findFirst().orElseThrow())).toList();
        SamEmbedding embedding = SamGolden.embedding(cases.getFirst().image());
        SamPrompt first = SamGolden.prompt(cases.getFirst(), null);
        SamPrompt moved = new SamPrompt(first.points().stream().map(p -> new SamPoint(p.x() / 2, p.y() / 2, p.label())).toList(),
                first.box(), null);
        List<SamPrediction> batch = sam.predictBatch(embedding, List.of(first, moved), true);
        for (int i = 0; i < 2; i++) {
            SamPrediction single = sam.predict(embedding, i == 0 ? first : moved, true);
            Golden.assertClose("batched prompt " + i + " logits", batch.get(i).lowResLogits(), single.lowResLogits(), 1e-4, 1e-5);
            Golden.assertClose("batched prompt " + i + " iou", batch.get(i).iouPredictions(), single.iouPredictions(), 1e-5, 0);
        }
    }
}
