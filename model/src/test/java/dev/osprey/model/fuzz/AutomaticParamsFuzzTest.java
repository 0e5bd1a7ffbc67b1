package dev.osprey.model.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.error.Reason;
import dev.osprey.model.sam.auto.AutomaticGoldenCase;
import dev.osprey.model.sam.auto.AutomaticParams;
import dev.osprey.model.sam.auto.OutputMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutations of automatic mask parameter files (the golden cases' and one with every default spelled
 * out): each gives parameters within the documented bounds or a {@code BAD_INPUT} error, never
 * another exception or a hang.
 */
class AutomaticParamsFuzzTest {

    private static final String ALL_DEFAULTS = "{\"points_per_side\": 32, \"points_per_batch\": 64, \"pred_iou_thresh\": 0.88,"
            + " \"stability_score_thresh\": 0.95, \"stability_score_offset\": 1.0, \"box_nms_thresh\": 0.7, \"crop_n_layers\": 0,"
            + " \"crop_nms_thresh\": 0.7, \"crop_overlap_ratio\": 0.3413333333333333, \"crop_n_points_downscale_factor\": 1,"
            + " \"min_mask_region_area\": 0, \"output_mode\": \"binary_mask\"}";

    @Test
    void mutatedParameterFilesGiveValidParametersOrBadInput() {
        List<Seed> seeds = new ArrayList<>();
        seeds.add(new Seed("all defaults", ALL_DEFAULTS.getBytes(StandardCharsets.UTF_8)));
        for (AutomaticGoldenCase c : AutomaticGoldenCase.all()) {
            seeds.add(new Seed(c.id(), c.paramsJson().getBytes(StandardCharsets.UTF_8)));
        }
        FuzzRun run = new FuzzRun("automatic mask parameter mutations", 0x5A3A_0001L, Reason.BAD_INPUT);
        for (int i = 0; i < 800; i++) {
            Random random = run.random(i);
            Seed seed = seeds.get(random.nextInt(seeds.size()));
            Mutant input = JsonMutations.mutate(random, seed.bytes(), seed.name());
            run.check(i, input.description(), () -> AutomaticParams.fromJson(new String(input.bytes(), StandardCharsets.UTF_8)),
                    AutomaticParamsFuzzTest::assertValid);
        }
        run.assertNoFailures();
    }

    private static void assertValid(AutomaticParams p) {
        assertThat(p.pointsPerSide()).isBetween(1, AutomaticParams.MAX_POINTS_PER_SIDE);
        assertThat(p.pointsPerBatch()).isBetween(1, AutomaticParams.MAX_POINTS_PER_BATCH);
        assertThat(p.cropNLayers()).isBetween(0, AutomaticParams.MAX_CROP_N_LAYERS);
        assertThat(p.cropOverlapRatio()).isGreaterThanOrEqualTo(0).isLessThan(1);
        assertThat(p.cropNPointsDownscaleFactor()).isPositive();
        assertThat(p.minMaskRegionArea()).isNotNegative();
        assertThat(p.outputMode()).isIn((Object[]) OutputMode.values());
        for (double v : new double[] {p.predIouThresh(), p.stabilityScoreThresh(), p.stabilityScoreOffset(), p.boxNmsThresh(), p.cropNmsThresh()}) {
            assertThat(Double.isFinite(v)).isTrue();
        }
    }
}
