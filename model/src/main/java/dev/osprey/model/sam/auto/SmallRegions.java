package dev.osprey.model.sam.auto;

import dev.osprey.model.mask.BinaryMask;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference's {@code min_mask_region_area} cleanup ({@code postprocess_small_regions} with
 * {@code remove_small_regions}): in every mask, fill holes smaller than the area, then remove islands
 * smaller than it (keeping the largest island if all are), both with 8-connectivity; then box NMS
 * that prefers unchanged masks, and the kept masks in that NMS order.
 */
final class SmallRegions {

    private SmallRegions() {
    }

    /** The cleaned masks; {@code nmsThreshold} is the larger of the two NMS thresholds, as in the reference. */
    static List<AutomaticMask> clean(List<AutomaticMask> masks, int minArea, double nmsThreshold) {
        List<BinaryMask> cleaned = new ArrayList<>(masks.size());
        List<int[]> boxes = new ArrayList<>(masks.size());
        float[] unchanged = new float[masks.size()];
        for (int i = 0; i < masks.size(); i++) {
            BinaryMask mask = masks.get(i).segmentation();
            byte[] filled = fillHoles(mask.pixels(), mask.height(), mask.width(), minArea);
            byte[] holesDone = filled != null ? filled : mask.pixels();
            byte[] removed = removeIslands(holesDone, mask.height(), mask.width(), minArea);
            cleaned.add(new BinaryMask(mask.height(), mask.width(), removed != null ? removed : holesDone));
            boxes.add(MaskBoxes.inclusiveBounds(cleaned.get(i)));
            unchanged[i] = filled == null && removed == null ? 1f : 0f;
        }
        List<AutomaticMask> kept = new ArrayList<>();
        for (int i : BoxNms.keep(boxes, unchanged, nmsThreshold)) {
            AutomaticMask m = masks.get(i);
            if (unchanged[i] == 1f) {
                kept.add(m);
            } else {
                BinaryMask mask = cleaned.get(i);
                int[] b = boxes.get(i);
                kept.add(new AutomaticMask(mask, (int) mask.area(), new int[] {b[0], b[1], b[2] - b[0], b[3] - b[1]}, m.predictedIou(),
                        m.pointCoords(), m.stabilityScore(), m.cropBox()));
            }
        }
        return kept;
    }

    /** {@code remove_small_regions(mask, area, "holes")}: the mask with outside regions below the area filled, or null if there are none. */
    static byte[] fillHoles(byte[] mask, int height, int width, int minArea) {
        ConnectedRegions holes = ConnectedRegions.of(mask, height, width, 0);
        boolean[] fill = new boolean[holes.count()];
        boolean any = false;
        for (int r = 0; r < fill.length; r++) {
            fill[r] = holes.sizes[r] < minArea;
            any |= fill[r];
        }
        if (!any) {
            return null;
        }
        byte[] out = mask.clone();
        for (int p = 0; p < out.length; p++) {
            if (holes.region[p] >= 0 && fill[holes.region[p]]) {
                out[p] = 1;
            }
        }
        return out;
    }

    /**
     * {@code remove_small_regions(mask, area, "islands")}: the mask without its regions below the
     * area (all of them but the largest, with OpenCV's label order breaking ties, when every region
     * is below it), or null if there are none.
     */
    static byte[] removeIslands(byte[] mask, int height, int width, int minArea) {
        ConnectedRegions islands = ConnectedRegions.of(mask, height, width, 1);
        boolean[] keep = new boolean[islands.count()];
        boolean anySmall = false;
        boolean anyKept = false;
        int largest = -1;
        for (int r = 0; r < keep.length; r++) {
            keep[r] = islands.sizes[r] >= minArea;
            anySmall |= !keep[r];
            anyKept |= keep[r];
            if (largest < 0 || islands.sizes[r] > islands.sizes[largest]
                    || islands.sizes[r] == islands.sizes[largest] && islands.first[r] < islands.first[largest]) {
                largest = r;
            }
        }
        if (!anySmall) {
            return null;
        }
        if (!anyKept) {
            keep[largest] = true;
        }
        byte[] out = new byte[mask.length];
        for (int p = 0; p < out.length; p++) {
            if (islands.region[p] >= 0 && keep[islands.region[p]]) {
                out[p] = 1;
            }
        }
        return out;
    }
}
