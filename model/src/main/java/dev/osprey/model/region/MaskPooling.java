package dev.osprey.model.region;

import static dev.osprey.model.region.Vectors.FLOATS;
import static dev.osprey.model.region.Vectors.LANES;

import dev.osprey.model.vision.FeatureMap;
import java.util.List;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * Osprey's {@code MaskPooling} (spec §3): each channel averaged over the cells a mask selects
 * ({@link MaskSampler#cells}: resized to the map, binarised {@code > 0}) as
 * {@code Σ x · m / (Σ m + 1e-8)}, so a level where the mask vanishes pools to zeros.
 *
 * <p>The selected cells are kept as row runs: the sums then read only the cells inside a mask,
 * from contiguous memory, instead of multiplying every cell of every channel by a 0/1 weight.
 */
public final class MaskPooling {

    /** The denominator's guard in the reference; in float32 it only matters for an empty mask. */
    private static final float EPS = 1e-8f;
    /** Channels summed together (see {@link #sumBlock}). */
    private static final int BLOCK = 8;
    /** 0, 1, 2, ...: lanes below a run's remaining length are inside it. */
    private static final FloatVector LANE_INDEX = FloatVector.zero(FLOATS).addIndex(1);
    /** Rotations by half the lanes, a quarter, ... one: the steps of {@link #sum}. */
    private static final List<VectorShuffle<Float>> FOLDS = IntStream.iterate(LANES / 2, w -> w > 0, w -> w / 2)
            .mapToObj(w -> VectorShuffle.fromOp(FLOATS, i -> (i + w) % LANES)).toList();

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
     * sums, each run read a vector of cells at a time, so the adds overlap and each run's loop
     * overhead is shared by eight channels.
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
        FloatVector s0 = FloatVector.zero(FLOATS);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        FloatVector s4 = s0;
        FloatVector s5 = s0;
        FloatVector s6 = s0;
        FloatVector s7 = s0;
        int[] runs = cells.runs();
        for (int k = 0; k < runs.length; k += 2) {
            int end = runs[k + 1];
            for (int i = runs[k]; i < end; i += LANES) {
                VectorMask<Float> m = LANE_INDEX.lt(end - i);
                s0 = s0.add(FloatVector.fromArray(FLOATS, d, b0 + i, m));
                s1 = s1.add(FloatVector.fromArray(FLOATS, d, b1 + i, m));
                s2 = s2.add(FloatVector.fromArray(FLOATS, d, b2 + i, m));
                s3 = s3.add(FloatVector.fromArray(FLOATS, d, b3 + i, m));
                s4 = s4.add(FloatVector.fromArray(FLOATS, d, b4 + i, m));
                s5 = s5.add(FloatVector.fromArray(FLOATS, d, b5 + i, m));
                s6 = s6.add(FloatVector.fromArray(FLOATS, d, b6 + i, m));
                s7 = s7.add(FloatVector.fromArray(FLOATS, d, b7 + i, m));
            }
        }
        float scale = scale(cells);
        out[c] = sum(s0) * scale;
        out[c + 1] = sum(s1) * scale;
        out[c + 2] = sum(s2) * scale;
        out[c + 3] = sum(s3) * scale;
        out[c + 4] = sum(s4) * scale;
        out[c + 5] = sum(s5) * scale;
        out[c + 6] = sum(s6) * scale;
        out[c + 7] = sum(s7) * scale;
    }

    /**
     * The lanes of {@code v} added in a fixed tree: each step adds the vector to itself rotated by
     * half of what is left, until lane 0 holds the sum. Not {@code reduceLanes(ADD)}: its order
     * is unspecified, and HotSpot's compiled code adds in another order than the interpreter, so the
     * same mask pooled before and after warm-up differed in the last bit, and with it the KV
     * calibration of a conversion (a greedy answer at a near tie could differ too).
     */
    private static float sum(FloatVector v) {
        for (VectorShuffle<Float> fold : FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
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
