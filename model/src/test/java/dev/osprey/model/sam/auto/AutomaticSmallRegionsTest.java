package dev.osprey.model.sam.auto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.mask.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code min_mask_region_area} cleanup. The expectations are what the reference's
 * {@code remove_small_regions} gives with OpenCV 4.6's {@code connectedComponentsWithStats}
 * (checked once against it, together with 300 random masks of up to 480×360).
 */
class AutomaticSmallRegionsTest {

    @Test
    void holesBelowTheAreaAreFilledWithEightConnectivity() {
        byte[] mask = rows(
                "11111",
                "10101",
                "11011",
                "11111");
        // the two outside pixels touch diagonally: one hole of 3 pixels (8-connected)
        assertThat(SmallRegions.fillHoles(mask, 4, 5, 3)).isNull();
        assertThat(SmallRegions.fillHoles(mask, 4, 5, 4)).containsExactly(rows("11111", "11111", "11111", "11111"));
    }

    @Test
    void islandsBelowTheAreaAreRemoved() {
        byte[] mask = rows(
                "11000",
                "11001",
                "00000");
        assertThat(SmallRegions.removeIslands(mask, 3, 5, 1)).isNull();
        assertThat(SmallRegions.removeIslands(mask, 3, 5, 2)).containsExactly(rows("11000", "11000", "00000"));
    }

    @Test
    void whenAllIslandsAreSmallTheLargestStaysAndTiesGoToOpenCvsFirstLabel() {
        // OpenCV labels 2x2 blocks in raster order: the island starting at row 1, column 0 (block 0)
        // gets label 1 before the one starting at row 0, column 5 (block 2)
        byte[] mask = rows(
                "0000011000",
                "1000000000",
                "1000000000");
        assertThat(SmallRegions.removeIslands(mask, 3, 10, 5)).containsExactly(rows("0000000000", "1000000000", "1000000000"));
    }

    @Test
    void anEmptyMaskOnASmallImageIsFilled() {
        assertThat(SmallRegions.fillHoles(new byte[6], 2, 3, 7)).containsExactly(1, 1, 1, 1, 1, 1);
        assertThat(SmallRegions.removeIslands(new byte[6], 2, 3, 7)).isNull();
    }

    @Test
    void cleanedMasksGetNewBoxesAndAreasAndUnchangedOnesComeFirst() {
        BinaryMask speckled = new BinaryMask(3, 5, rows("11000", "11001", "00000"));
        BinaryMask solid = new BinaryMask(3, 5, rows("00000", "00111", "00111"));
        AutomaticMask first = new AutomaticMask(speckled, 5, new int[] {0, 0, 4, 1}, 0.9, new double[] {1, 1}, 0.5, new int[] {0, 0, 5, 3});
        AutomaticMask second = new AutomaticMask(solid, 6, new int[] {2, 1, 2, 1}, 0.8, new double[] {3, 2}, 0.4, new int[] {0, 0, 5, 3});
        List<AutomaticMask> cleaned = SmallRegions.clean(List.of(first, second), 2, 0.7);
        assertThat(cleaned).hasSize(2);
        assertThat(cleaned.get(0)).isSameAs(second);
        AutomaticMask fixed = cleaned.get(1);
        assertThat(fixed.segmentation().pixels()).containsExactly(rows("11000", "11000", "00000"));
        assertThat(fixed.area()).isEqualTo(4);
        assertThat(fixed.bbox()).containsExactly(0, 0, 1, 1);
        assertThat(fixed.predictedIou()).isEqualTo(0.9);
    }

    private static byte[] rows(String... rows) {
        byte[] mask = new byte[rows.length * rows[0].length()];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[y].length(); x++) {
                mask[y * rows[0].length() + x] = (byte) (rows[y].charAt(x) - '0');
            }
        }
        return mask;
    }
}
