package dev.osprey.model.region;

import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.vision.FeatureMap;
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
    /** Channels summed together (see {@link #sumBlock}). */
    private static final int BLOCK = 8;

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
     * The cells a mask selects on a {@code height x width} map: the mask resized bilinearly (not at
     * all when the sizes agree, as in the reference), then every cell {@code > 0}.
     */
    public static Cells select(BinaryMask mask, int height, int width) {
        float[] resized = mask.resized(height, width);
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
    public static float[][] pool(FeatureMap map, List<Cells> regions) {
        int channels = map.channels();
        float[][] pooled = new float[regions.size()][channels];
        // channel blocks outside, regions inside: a block's planes stay in cache while every region reads them
        int c = 0;
        for (; c + BLOCK <= channels; c += BLOCK) {
            for (int r = 0; r < regions.size(); r++) {
                sumBlock(map, c, regions.get(r), pooled[r]);
            }
        }
        for (; c < channels; c++) {
            for (int r = 0; r < regions.size(); r++) {
                sumChannel(map, c, regions.get(r), pooled[r]);
            }
        }
        return pooled;
    }

    /**
     * Channels {@code c .. c+7} averaged over a region's cells into {@code out}: eight independent
     * sums, so the adds overlap and each run's loop overhead is shared by eight channels.
     */
    private static void sumBlock(FeatureMap map, int c, Cells cells, float[] out) {
        float[] d = map.values();
        int stride = map.cells();
        int b0 = c * stride;
        int b1 = b0 + stride;
        int b2 = b1 + stride;
        int b3 = b2 + stride;
        int b4 = b3 + stride;
        int b5 = b4 + stride;
        int b6 = b5 + stride;
        int b7 = b6 + stride;
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int[] runs = cells.runs();
        for (int k = 0; k < runs.length; k += 2) {
            for (int i = runs[k], end = runs[k + 1]; i < end; i++) {
                s0 += d[b0 + i];
                s1 += d[b1 + i];
                s2 += d[b2 + i];
                s3 += d[b3 + i];
                s4 += d[b4 + i];
                s5 += d[b5 + i];
                s6 += d[b6 + i];
                s7 += d[b7 + i];
            }
        }
        float scale = scale(cells);
        out[c] = s0 * scale;
        out[c + 1] = s1 * scale;
        out[c + 2] = s2 * scale;
        out[c + 3] = s3 * scale;
        out[c + 4] = s4 * scale;
        out[c + 5] = s5 * scale;
        out[c + 6] = s6 * scale;
        out[c + 7] = s7 * scale;
    }

    /** One channel averaged over a region's cells (channels beyond the last full block). */
    private static void sumChannel(FeatureMap map, int c, Cells cells, float[] out) {
        float[] d = map.values();
        int base = c * map.cells();
        float s = 0;
        int[] runs = cells.runs();
        for (int k = 0; k < runs.length; k += 2) {
            for (int i = runs[k], end = runs[k + 1]; i < end; i++) {
                s += d[base + i];
            }
        }
        out[c] = s * scale(cells);
    }

    /** {@code 1 / (count + 1e-8)} as the reference weighs each cell; huge but harmless when count is 0 (the sums are 0). */
    private static float scale(Cells cells) {
        return 1f / (cells.count() + EPS);
    }
}
