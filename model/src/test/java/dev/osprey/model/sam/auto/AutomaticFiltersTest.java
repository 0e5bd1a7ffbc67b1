package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.mask.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generator's filters: stability score, mask boxes and box NMS with the reference's exact conventions. */
class AutomaticFiltersTest {

    @Test
    void stabilityIsTheRatioOfLogitsAboveTheOffsetToThoseAboveMinusTheOffset() {
        float[] logits = {2f, 1f, 0.5f, -0.5f, -1f, -3f};
        // above +1: {2}; above -1: {2, 1, 0.5, -0.5} (strict)
        assertThat(StabilityScore.of(logits, 2, 3, 1.0)).isEqualTo(0.25f);
        assertThat(StabilityScore.of(logits, 3, 2, 0.75)).isEqualTo(0.5f);
        assertThat(StabilityScore.of(new float[] {-5f, -2f}, 1, 2, 1.0)).as("0/0").isNaN();
    }

    @Test
    void stabilityThresholdsAreFloat32() {
        // 0.1f is above 0.1 in double, equal to it in float32: torch compares in float32
        float[] logits = {0.1f, 5f};
        assertThat(StabilityScore.of(logits, 1, 2, 0.1)).isEqualTo(0.5f);
    }

    @Test
    void boxesAreInclusiveBoundsAndEmptyMasksGiveZeros() {
        byte[] mask = new byte[4 * 5];
        mask[1 * 5 + 2] = 1;
        mask[3 * 5 + 4] = 1;
        assertThat(MaskBoxes.inclusiveBounds(new BinaryMask(4, 5, mask))).containsExactly(2, 1, 4, 3);
        assertThat(MaskBoxes.inclusiveBounds(BinaryMask.empty(4, 5))).containsExactly(0, 0, 0, 0);
        byte[] one = new byte[20];
        one[7] = 1;
        assertThat(MaskBoxes.inclusiveBounds(new BinaryMask(4, 5, one))).containsExactly(2, 1, 2, 1);
    }

    @Test
    void nmsKeepsByDescendingScoreAndSuppressesIouStrictlyAboveTheThreshold() {
        List<int[]> boxes = List.of(new int[] {0, 0, 10, 10}, new int[] {0, 0, 10, 7}, new int[] {20, 20, 30, 30}, new int[] {0, 0, 10, 8});
        float[] scores = {0.5f, 0.9f, 0.1f, 0.7f};
        // IoU(0, 1) = 0.7 exactly in float32 -> kept; IoU(0, 3) = 0.8 > 0.7; IoU(1, 3) = 0.875
        assertThat(BoxNms.keep(boxes, scores, 0.7)).containsExactly(1, 0, 2);
        assertThat(BoxNms.keep(boxes, scores, 0.9)).containsExactly(1, 3, 0, 2);
    }

    @Test
    void nmsTiesKeepTheirOrder() {
        List<int[]> boxes = List.of(new int[] {0, 0, 5, 5}, new int[] {10, 10, 15, 15}, new int[] {0, 0, 5, 5}, new int[] {10, 10, 15, 15});
        float[] scores = {0.25f, 0.5f, 0.5f, 0.25f};
        assertThat(BoxNms.keep(boxes, scores, 0.7)).containsExactly(1, 2);
        assertThat(BoxNms.keep(boxes, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 0.7)).containsExactly(0, 1);
        assertThat(BoxNms.keep(boxes, new float[] {-0.0f, 0.0f, 0.0f, 0.0f}, 0.7)).as("-0.0 ties 0.0").containsExactly(0, 1);
    }

    @Test
    void emptyBoxesNeverSuppressEachOther() {
        List<int[]> boxes = List.of(new int[4], new int[4], new int[] {3, 3, 3, 3});
        assertThat(BoxNms.keep(boxes, new float[] {1f, 0.5f, 0.25f}, 0.0)).containsExactly(0, 1, 2);
    }
}
