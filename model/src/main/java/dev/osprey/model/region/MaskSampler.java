package dev.osprey.model.region;

import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.tensor.ops.BilinearResize;
import java.util.Arrays;

/**
 * One region mask sampled at every size the extractor reads (spec §3): bilinear
 * ({@code align_corners=False}) to 112x112 for the pos token and to each feature map, there
 * binarised into the cells that {@link MaskPooling} averages. The box of the mask's pixels is found
 * once, and every resize computes only the cells around it: the rest are 0 exactly, and a typical
 * region covers a few percent of the image.
 */
final class MaskSampler {

    private final BinaryMask mask;
    private final BilinearResize.Box inside;

    MaskSampler(BinaryMask mask) {
        this.mask = mask;
        this.inside = BilinearResize.Box.of(mask.pixels(), mask.height(), mask.width());
    }

    /** The mask as floats at {@code height x width}; not resampled at all when the sizes agree, as in the reference. */
    float[] resized(int height, int width) {
        return height == mask.height() && width == mask.width()
                ? mask.toFloats()
                : BilinearResize.resizeMask(mask.pixels(), mask.height(), mask.width(), height, width, inside);
    }

    /** The cells the mask selects on a {@code height x width} map: the resized mask {@code > 0}, as row runs. */
    MaskPooling.Cells cells(int height, int width) {
        float[] resized = resized(height, width);
        float[] zeros = new float[width];
        int[] runs = new int[16];
        int n = 0;
        int count = 0;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            int x = 0;
            while (x < width) {
                // resized values are >= 0 (0/1 blended with weights >= 0): > 0 is != +0, which mismatch finds vectorised
                int skip = Arrays.mismatch(resized, row + x, row + width, zeros, 0, width - x);
                if (skip < 0) {
                    break;
                }
                int start = x + skip;
                x = start;
                while (x < width && resized[row + x] > 0) {
                    x++;
                }
                if (n + 2 > runs.length) {
                    runs = Arrays.copyOf(runs, 2 * runs.length);
                }
                runs[n++] = row + start;
                runs[n++] = row + x;
                count += x - start;
            }
        }
        return new MaskPooling.Cells(Arrays.copyOf(runs, n), count);
    }
}
