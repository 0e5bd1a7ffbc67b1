package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.GoldenSam;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
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
