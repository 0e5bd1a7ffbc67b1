package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.mask.BinaryMask;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A geometry unlike the golden one (512 input, windows that tile the grid without padding, one global
 * block, other head counts and depths) goes from a random checkpoint through both graphs to masks.
 */
class SamGeometryTest {

    @TempDir
    Path dir;

    @Test
    void otherGeometryRunsEndToEnd() {
        SamConfig geometry = new SamConfig("custom", 512, 16, 32, 3, 2, 64, List.of(2), 16, 16, 8, 1, 4, 32, 2, 2, 24, 3,
                SamConfig.PIXEL_MEAN, SamConfig.PIXEL_STD, SamConfig.ENCODER_EPS, SamConfig.DECODER_EPS);
        Path file = dir.resolve("sam_other.pth");
        new RandomSamCheckpoint(geometry, 7).write(file);
        try (SamCheckpoint checkpoint = SamCheckpoint.open(file, null)) {
            assertThat(checkpoint.config()).isEqualTo(geometry);
            try (SamPredictor sam = SamPredictor.open(SamGraphs.write(checkpoint, dir.resolve("graphs")), 1)) {
                SamEmbedding e = sam.embed(SamGolden.image(SamGolden.images().findFirst().orElseThrow()));
                assertThat(e.values()).hasSize(16 * 32 * 32);
                SamPrompt click = SamPrompt.of(List.of(new SamPoint(e.originalWidth() / 3.0, e.originalHeight() / 2.0, 1)));
                SamPrediction p = sam.predict(e, click, true);
                assertThat(p.count()).isEqualTo(3);
                assertThat(p.side()).isEqualTo(128);
                assertThat(p.iouPredictions()).doesNotContain(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
                BinaryMask mask = SamMasks.mask(p, p.bestIndex(), e);
                assertThat(new int[] {mask.height(), mask.width()}).containsExactly(e.originalHeight(), e.originalWidth());
                SamPrompt refine = new SamPrompt(click.points(), new SamBox(1, 1, 40, 30), p.lowResLogits(p.bestIndex()));
                List<SamPrediction> batch = sam.predictBatch(e, List.of(refine, refine), false);
                assertThat(batch.get(0).lowResLogits()).containsExactly(batch.get(1).lowResLogits());
            }
        }
    }
}
