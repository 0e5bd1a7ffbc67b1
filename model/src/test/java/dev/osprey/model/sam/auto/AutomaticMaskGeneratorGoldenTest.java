package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.GoldenSam;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.sam.SamCheckpoint;
import dev.osprey.model.sam.SamGraphs;
import dev.osprey.model.sam.SamPredictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every golden automatic case, end to end from the tiny checkpoint and the PNG: the per-crop stage
 * counts and crop boxes exactly, and every annotation as written to JSON in order within the golden
 * README's tolerances ({@link AutomaticGoldenCase#assertAnnotationsMatch}).
 */
class AutomaticMaskGeneratorGoldenTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

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
            JsonNode written = JSON.readTree(AutomaticMasksJson.write(result.masks(), OutputMode.COCO_RLE));
            System.out.println(c.assertAnnotationsMatch(written.get("annotations")));
        }
    }

    @Test
    void theEmbedderIsAskedOnceForTheImageAndOncePerCrop() throws IOException {
        AutomaticGoldenCase c = AutomaticGoldenCase.all().getFirst();
        RgbImage image = new ImageDecoder().decode(Files.readAllBytes(c.image()));
        AutomaticParams params = AutomaticParams.fromJson("{\"points_per_side\": 2, \"crop_n_layers\": 1, \"pred_iou_thresh\": 0,"
                + " \"stability_score_thresh\": 0}");
        List<String> asked = new ArrayList<>();
        List<AutomaticMask> masks = new AutomaticMaskGenerator(predictor, params).generate(image, crop -> {
            asked.add(crop.width() + "x" + crop.height());
            return predictor.embed(crop);
        });
        List<CropBox> crops = CropBox.forImage(image.height(), image.width(), 1, params.cropOverlapRatio());
        assertThat(asked).containsExactlyElementsOf(crops.stream().map(b -> b.width() + "x" + b.height()).toList());
        assertThat(masks).isNotEmpty().allSatisfy(m -> assertThat(m.segmentation().size()).isEqualTo(image.width() + "x" + image.height()));
    }

    /** With min_mask_region_area every mask is left without holes or islands below it (but a lone small island). */
    @Test
    void smallRegionCleanupLeavesNoSmallHolesOrIslands() throws IOException {
        AutomaticGoldenCase c = AutomaticGoldenCase.all().getFirst();
        RgbImage image = new ImageDecoder().decode(Files.readAllBytes(c.image()));
        AutomaticParams params = fullImageOnly(c.params(), 400);
        List<AutomaticMask> plain = new AutomaticMaskGenerator(predictor, fullImageOnly(c.params(), 0)).generate(image);
        List<AutomaticMask> cleaned = new AutomaticMaskGenerator(predictor, params).generate(image);
        assertThat(cleaned).isNotEmpty().hasSizeLessThanOrEqualTo(plain.size());
        for (AutomaticMask m : cleaned) {
            byte[] pixels = m.segmentation().pixels();
            int h = m.segmentation().height();
            int w = m.segmentation().width();
            assertThat(SmallRegions.fillHoles(pixels, h, w, 400)).isNull();
            assertThat(SmallRegions.removeIslands(pixels, h, w, 400) == null || ConnectedRegions.of(pixels, h, w, 1).count() == 1).isTrue();
            assertThat(m.area()).isEqualTo((int) m.segmentation().area());
        }
        List<BinaryMask> before = plain.stream().map(AutomaticMask::segmentation).toList();
        assertThat(cleaned).as("masks the cleanup changed").anyMatch(m -> !before.contains(m.segmentation()));
    }

    private static AutomaticParams fullImageOnly(AutomaticParams p, int minMaskRegionArea) {
        return new AutomaticParams(p.pointsPerSide(), p.pointsPerBatch(), p.predIouThresh(), p.stabilityScoreThresh(), p.stabilityScoreOffset(),
                p.boxNmsThresh(), 0, p.cropNmsThresh(), p.cropOverlapRatio(), p.cropNPointsDownscaleFactor(), minMaskRegionArea, p.outputMode());
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
}
