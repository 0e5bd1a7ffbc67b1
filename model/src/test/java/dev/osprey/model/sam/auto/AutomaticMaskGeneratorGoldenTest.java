package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.osprey.model.GoldenSam;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoRle;
import dev.osprey.model.sam.SamCheckpoint;
import dev.osprey.model.sam.SamGraphs;
import dev.osprey.model.sam.SamPredictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Every golden automatic case, end to end from the tiny checkpoint and the PNG: the per-crop stage
 * counts and crop boxes exactly, and every annotation in order within the golden README's
 * tolerances (segmentation and area within max(10, 0.1 % of the area) pixels, bbox ±1 px,
 * predicted_iou 1e-4, stability_score 1e-3, point_coords 1e-6).
 */
class AutomaticMaskGeneratorGoldenTest {

    @TempDir
    static Path graphs;

    private static SamCheckpoint checkpoint;
    private static SamPredictor predictor;

    @BeforeAll
    static void openPredictor() {
        checkpoint = SamCheckpoint.open(GoldenSam.pthCheckpoint(), GoldenSam.config());
        predictor = SamPredictor.open(SamGraphs.write(checkpoint, graphs), 0);
    }

    @AfterAll
    static void close() {
        predictor.close();
        checkpoint.close();
    }

    @Test
    void everyAutomaticCaseMatchesTheReference() throws IOException {
        List<AutomaticGoldenCase> cases = AutomaticGoldenCase.all();
        assertThat(cases).isNotEmpty();
        for (AutomaticGoldenCase c : cases) {
            RgbImage image = new ImageDecoder().decode(Files.readAllBytes(c.image()));
            AutomaticMaskGenerator generator = new AutomaticMaskGenerator(predictor, c.params());
            long start = System.nanoTime();
            AutomaticResult result = generator.run(image, predictor::embed);
            System.out.printf("%s: generate %d ms, %d masks%n", c, (System.nanoTime() - start) / 1_000_000, result.masks().size());
            assertStages(c, result);
            assertAnnotations(c, result.masks());
        }
    }

    private static void assertStages(AutomaticGoldenCase c, AutomaticResult result) {
        assertThat(result.crops()).as("%s crops", c).hasSize(c.crops().size());
        int survivors = 0;
        for (int i = 0; i < result.crops().size(); i++) {
            JsonNode golden = c.crops().get(i);
            CropStages s = result.crops().get(i);
            String what = c + " crop " + i;
            assertThat(new int[] {s.crop().x0(), s.crop().y0(), s.crop().x1(), s.crop().y1()}).as(what)
                    .containsExactly(AutomaticGoldenCase.ints(golden.get("crop_box_xyxy")));
            assertThat(new int[] {s.points(), s.candidates(), s.afterPredIou(), s.afterStability(), s.afterCropEdge(), s.afterBoxNms()})
                    .as("%s points, candidates, after pred_iou, stability, crop edge, box NMS", what)
                    .containsExactly(golden.get("points").asInt(), golden.get("candidates").asInt(), golden.get("after_pred_iou_thresh").asInt(),
                            golden.get("after_stability_thresh").asInt(), golden.get("after_crop_edge_filter").asInt(),
                            golden.get("box_nms").get("n_kept").asInt());
            survivors += s.afterBoxNms();
        }
        if (c.json().has("crop_nms")) {
            assertThat(survivors).as("%s into the crop NMS", c).isEqualTo(c.json().get("crop_nms").get("n_in").asInt());
        }
        assertThat(result.masks()).as("%s masks", c).hasSize(c.json().get("num_masks").asInt());
    }

    private static void assertAnnotations(AutomaticGoldenCase c, List<AutomaticMask> masks) {
        double worstIou = 0;
        double worstStability = 0;
        double worstPoint = 0;
        int worstPixels = 0;
        int worstBox = 0;
        for (int i = 0; i < masks.size(); i++) {
            JsonNode golden = c.annotations().get(i);
            AutomaticMask m = masks.get(i);
            String what = c + " annotation " + i;
            JsonNode rle = golden.get("segmentation");
            BinaryMask expected = CocoRle.decode(rle.get("size").get(0).asInt(), rle.get("size").get(1).asInt(), rle.get("counts").asString());
            int area = golden.get("area").asInt();
            int budget = Math.max(10, (int) (0.001 * area));
            int differing = differing(expected, m.segmentation());
            assertThat(differing).as("%s pixels differing from the golden segmentation", what).isLessThanOrEqualTo(budget);
            assertThat(m.area()).as("%s area", what).isCloseTo(area, within(budget));
            int[] bbox = AutomaticGoldenCase.ints(golden.get("bbox"));
            for (int k = 0; k < 4; k++) {
                assertThat(m.bbox()[k]).as("%s bbox[%d]", what, k).isCloseTo(bbox[k], within(1));
                worstBox = Math.max(worstBox, Math.abs(m.bbox()[k] - bbox[k]));
            }
            assertThat(m.predictedIou()).as("%s predicted_iou", what).isCloseTo(golden.get("predicted_iou").asDouble(), within(1e-4));
            assertThat(m.stabilityScore()).as("%s stability_score", what).isCloseTo(golden.get("stability_score").asDouble(), within(1e-3));
            JsonNode point = golden.get("point_coords").get(0);
            assertThat(m.pointCoords()[0]).as("%s point x", what).isCloseTo(point.get(0).asDouble(), within(1e-6));
            assertThat(m.pointCoords()[1]).as("%s point y", what).isCloseTo(point.get(1).asDouble(), within(1e-6));
            assertThat(m.cropBox()).as("%s crop_box", what).containsExactly(AutomaticGoldenCase.ints(golden.get("crop_box")));
            worstIou = Math.max(worstIou, Math.abs(m.predictedIou() - golden.get("predicted_iou").asDouble()));
            worstStability = Math.max(worstStability, Math.abs(m.stabilityScore() - golden.get("stability_score").asDouble()));
            worstPoint = Math.max(worstPoint, Math.max(Math.abs(m.pointCoords()[0] - point.get(0).asDouble()),
                    Math.abs(m.pointCoords()[1] - point.get(1).asDouble())));
            worstPixels = Math.max(worstPixels, differing);
        }
        System.out.printf("%s: worst differences: %d pixels, bbox %d px, predicted_iou %.2e, stability %.2e, point %.2e%n", c, worstPixels,
                worstBox, worstIou, worstStability, worstPoint);
    }

    private static int differing(BinaryMask a, BinaryMask b) {
        assertThat(b.height()).isEqualTo(a.height());
        assertThat(b.width()).isEqualTo(a.width());
        int n = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            n += a.pixels()[i] != b.pixels()[i] ? 1 : 0;
        }
        return n;
    }
}
