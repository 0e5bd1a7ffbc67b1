package dev.osprey.model.sam.auto;

import dev.osprey.model.error.OspreyException;
import java.util.ArrayList;
import java.util.List;

/**
 * One crop of the image the generator segments on its own: pixel bounds {@code [x0, x1) × [y0, y1)}
 * and its crop layer (0 for the full image).
 *
 * @param x0    first column
 * @param y0    first row
 * @param x1    column after the last
 * @param y1    row after the last
 * @param layer crop layer, 0 for the full image
 */
public record CropBox(int x0, int y0, int x1, int y1, int layer) {

    /** Crop width in pixels. */
    public int width() {
        return x1 - x0;
    }

    /** Crop height in pixels. */
    public int height() {
        return y1 - y0;
    }

    /** The crop as COCO {@code [x, y, width, height]}. */
    public int[] xywh() {
        return new int[] {x0, y0, width(), height()};
    }

    /**
     * The reference's {@code generate_crop_boxes}: the full image, then for each layer i (1-based)
     * 2^i × 2^i overlapping crops in column-major order (x outer, y inner), with the reference's
     * integer truncations and rounding. Fails with {@code BAD_INPUT} if the image is too small to
     * give every crop a pixel.
     */
    public static List<CropBox> forImage(int height, int width, int layers, double overlapRatio) {
        List<CropBox> crops = new ArrayList<>();
        crops.add(new CropBox(0, 0, width, height, 0));
        int shortSide = Math.min(height, width);
        for (int layer = 1; layer <= layers; layer++) {
            int perSide = 1 << layer;
            int overlap = (int) (overlapRatio * shortSide * (2.0 / perSide));
            int cropWidth = cropLength(width, perSide, overlap);
            int cropHeight = cropLength(height, perSide, overlap);
            for (int i = 0; i < perSide; i++) {
                int x0 = (cropWidth - overlap) * i;
                for (int j = 0; j < perSide; j++) {
                    int y0 = (cropHeight - overlap) * j;
                    CropBox crop = new CropBox(x0, y0, Math.min(x0 + cropWidth, width), Math.min(y0 + cropHeight, height), layer);
                    if (crop.width() < 1 || crop.height() < 1) {
                        throw OspreyException.badInput("a " + width + "x" + height + " image is too small for crop_n_layers " + layers
                                + ": crop layer " + layer + " would have an empty crop");
                    }
                    crops.add(crop);
                }
            }
        }
        return crops;
    }

    private static int cropLength(int length, int crops, int overlap) {
        return (int) Math.ceil((double) (overlap * (crops - 1) + length) / crops);
    }

    /**
     * The reference's {@code is_box_near_crop_edge}: whether a mask's inclusive box (image
     * coordinates, {@code x_min, y_min, x_max, y_max}) comes within 20 pixels of an edge of this
     * crop that is not an edge of the {@code width × height} image (float32 {@code isclose}).
     */
    boolean nearInnerEdge(int[] box, int width, int height) {
        int[] crop = {x0, y0, x1, y1};
        int[] image = {0, 0, width, height};
        for (int i = 0; i < 4; i++) {
            if (within20(box[i], crop[i]) && !within20(box[i], image[i])) {
                return true;
            }
        }
        return false;
    }

    private static boolean within20(int a, int b) {
        return Math.abs((float) a - (float) b) <= 20f;
    }
}
