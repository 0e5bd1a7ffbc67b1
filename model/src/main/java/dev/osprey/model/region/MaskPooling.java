package dev.osprey.model.region;

import dev.osprey.model.tensor.ops.BilinearResize;
import java.util.Arrays;
import java.util.List;

/**
 * Osprey's {@code MaskPooling} (spec §3): the mask is resized bilinearly ({@code align_corners=False})
 * to the feature map, binarised ({@code > 0}), and each channel is averaged over the selected cells
 * ({@code Σ x · m / (Σ m + 1e-8)}), so a level where the mask vanishes pools to zeros.
 *
 * <p>The selected cells are kept as row runs: the sums then read only the cells inside a mask,
 * from contiguous memory, instead of multiplying every cell of every channel by a 0/1 weight.
 */
public final class MaskPooling {

    /** The denominator's guard in the reference; in float32 it only matters for an empty mask. */
    private static final float EPS = 1e-8f;

    /**
     * The cells of one level that one mask selects.
     *
     * @param runs  pairs {@code [start, end)} of row-major cell indices, in order
     * @param count number of selected cells (the reference's {@code m.sum()})
     */
    public record Cells(int[] runs, int count) {
    }

    private MaskPooling() {
    }

    /**
     * The cells a {@code maskHeight x maskWidth} float mask selects on a {@code height x width}
     * map: the mask resized bilinearly (not at all when the sizes agree, as in the reference),
     * then every cell {@code > 0}.
     */
    public static Cells select(float[] mask, int maskHeight, int maskWidth, int height, int width) {
        float[] resized = maskHeight == height && maskWidth == width
                ? mask
                : BilinearResize.resize(mask, 1, maskHeight, maskWidth, height, width);
        int[] runs = new int[16];
        int n = 0;
        int count = 0;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            int x = 0;
            while (x < width) {
                if (!(resized[row + x] > 0)) {
                    x++;
                    continue;
                }
                int start = x;
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
        return new Cells(Arrays.copyOf(runs, n), count);
    }

    /** The pooled features {@code [Q][C]} of one map for the cells of Q masks. */
    public static float[] pool(FeatureMap map, List<Cells> regions) {
        int channels = map.channels();
        int cells = map.cells();
        float[] data = map.data();
        int q = regions.size();
        float[] scale = new float[q];
        for (int r = 0; r < q; r++) {
            scale[r] = 1f / (regions.get(r).count() + EPS);
        }
        float[] pooled = new float[q * channels];
        // channel-major so that each channel's plane stays in cache while every region reads it
        for (int c = 0; c < channels; c++) {
            int base = c * cells;
            for (int r = 0; r < q; r++) {
                pooled[r * channels + c] = sum(data, base, regions.get(r).runs()) * scale[r];
            }
        }
        return pooled;
    }

    /** The sum of {@code data[base + start .. base + end)} over all runs. */
    private static float sum(float[] data, int base, int[] runs) {
        // four independent accumulators: one would make every add wait for the previous one
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int k = 0; k < runs.length; k += 2) {
            int i = base + runs[k];
            int end = base + runs[k + 1];
            for (; i + 4 <= end; i += 4) {
                s0 += data[i];
                s1 += data[i + 1];
                s2 += data[i + 2];
                s3 += data[i + 3];
            }
            for (; i < end; i++) {
                s0 += data[i];
            }
        }
        return (s0 + s1) + (s2 + s3);
    }
}
