package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import org.junit.jupiter.api.Test;

/** Parameter files: the reference's names and defaults, and clear errors for everything else. */
class AutomaticParamsTest {

    @Test
    void anEmptyObjectGivesTheReferenceDefaults() {
        AutomaticParams p = AutomaticParams.fromJson("{}");
        assertThat(p).isEqualTo(AutomaticParams.DEFAULTS);
        assertThat(p.pointsPerSide()).isEqualTo(32);
        assertThat(p.pointsPerBatch()).isEqualTo(64);
        assertThat(p.predIouThresh()).isEqualTo(0.88);
        assertThat(p.stabilityScoreThresh()).isEqualTo(0.95);
        assertThat(p.stabilityScoreOffset()).isEqualTo(1.0);
        assertThat(p.boxNmsThresh()).isEqualTo(0.7);
        assertThat(p.cropNLayers()).isZero();
        assertThat(p.cropNmsThresh()).isEqualTo(0.7);
        assertThat(p.cropOverlapRatio()).isEqualTo(0.3413333333333333);
        assertThat(p.cropNPointsDownscaleFactor()).isEqualTo(1);
        assertThat(p.minMaskRegionArea()).isZero();
        assertThat(p.outputMode()).isEqualTo(OutputMode.BINARY_MASK);
    }

    @Test
    void everyGoldenParameterFileReadsWithItsValues() {
        for (AutomaticGoldenCase c : AutomaticGoldenCase.all()) {
            var golden = c.json().get("params");
            AutomaticParams p = c.params();
            assertThat(p.pointsPerSide()).as(c.id()).isEqualTo(golden.get("points_per_side").asInt());
            assertThat(p.pointsPerBatch()).isEqualTo(golden.get("points_per_batch").asInt());
            assertThat(p.predIouThresh()).isEqualTo(golden.get("pred_iou_thresh").asDouble());
            assertThat(p.stabilityScoreThresh()).isEqualTo(golden.get("stability_score_thresh").asDouble());
            assertThat(p.stabilityScoreOffset()).isEqualTo(golden.get("stability_score_offset").asDouble());
            assertThat(p.boxNmsThresh()).isEqualTo(golden.get("box_nms_thresh").asDouble());
            assertThat(p.cropNLayers()).isEqualTo(golden.get("crop_n_layers").asInt());
            assertThat(p.cropNmsThresh()).isEqualTo(golden.get("crop_nms_thresh").asDouble());
            assertThat(p.cropOverlapRatio()).isEqualTo(golden.get("crop_overlap_ratio").asDouble());
            assertThat(p.cropNPointsDownscaleFactor()).isEqualTo(golden.get("crop_n_points_downscale_factor").asInt());
            assertThat(p.minMaskRegionArea()).isEqualTo(golden.get("min_mask_region_area").asInt());
            assertThat(p.outputMode().jsonName()).isEqualTo(golden.get("output_mode").asString());
        }
    }

    @Test
    void integersMayFillNumberFields() {
        assertThat(AutomaticParams.fromJson("{\"box_nms_thresh\": 1, \"output_mode\": \"uncompressed_rle\"}"))
                .extracting(AutomaticParams::boxNmsThresh, AutomaticParams::outputMode).containsExactly(1.0, OutputMode.UNCOMPRESSED_RLE);
    }

    @Test
    void badFilesAreRefusedNamingTheProblem() {
        refused("[1]", "must be a JSON object");
        refused("{\"points_per_side\": 8", "cannot be parsed as JSON");
        refused("{} {}", "cannot be parsed as JSON");
        refused("{\"points_per_sid\": 8}", "unknown automatic mask parameter \"points_per_sid\"; the parameters are points_per_side, ");
        refused("{\"point_grids\": [[[0.5, 0.5]]]}", "point_grids is not supported");
        refused("{\"points_per_side\": 8, \"points_per_side\": 9}", "Duplicate Object property \"points_per_side\"");
        refused("{\"points_per_side\": 8.0}", "points_per_side is 8.0, expected an integer");
        refused("{\"points_per_side\": \"8\"}", "points_per_side is \"8\", expected an integer");
        refused("{\"points_per_side\": 0}", "points_per_side is 0, expected from 1 to 256");
        refused("{\"points_per_side\": 99999999999}", "points_per_side is 99999999999, which is too large");
        refused("{\"points_per_batch\": 0}", "points_per_batch is 0, expected from 1 to 256");
        refused("{\"pred_iou_thresh\": true}", "pred_iou_thresh is true, expected a number");
        refused("{\"box_nms_thresh\": null}", "box_nms_thresh is null; leave it out for the default");
        refused("{\"stability_score_offset\": 1e999}", "stability_score_offset is Infinity, expected a finite number");
        refused("{\"crop_n_layers\": -1}", "crop_n_layers is -1, expected from 0 to 4");
        refused("{\"crop_overlap_ratio\": 1.0}", "crop_overlap_ratio is 1.0, expected at least 0 and below 1");
        refused("{\"crop_n_points_downscale_factor\": 0}", "crop_n_points_downscale_factor is 0, expected at least 1");
        refused("{\"points_per_side\": 3, \"crop_n_layers\": 2, \"crop_n_points_downscale_factor\": 2}",
                "crop layer 2 would have no grid points: points_per_side 3 / crop_n_points_downscale_factor 2^2 is below 1");
        refused("{\"min_mask_region_area\": -5}", "min_mask_region_area is -5, expected at least 0");
        refused("{\"output_mode\": \"rle\"}", "output_mode is \"rle\", expected \"binary_mask\", \"uncompressed_rle\" or \"coco_rle\"");
    }

    private static void refused(String json, String message) {
        assertThatThrownBy(() -> AutomaticParams.fromJson(json)).as(json).isInstanceOf(OspreyException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((OspreyException) e).reason()).isEqualTo(Reason.BAD_INPUT);
    }
}
