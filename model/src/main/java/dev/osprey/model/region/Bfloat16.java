package dev.osprey.model.region;

import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights stored as bfloat16 (the top half of a float32) and widened to float32 in registers: the
 * extractor's Linears read every weight once per call, so half the bytes is half the memory traffic
 * that bounds a one-region call. A bf16 checkpoint's weights are bf16 already, so nothing is lost.
 */
final class Bfloat16 {

    private static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(Vectors.FLOATS.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, Vectors.FLOATS.vectorShape());

    private Bfloat16() {
    }

    /** {@link Vectors#LANES} bf16 values from {@code w[at..]} as floats. */
    static FloatVector widen(short[] w, int at) {
        IntVector bits = (IntVector) ShortVector.fromArray(HALVES, w, at).convertShape(VectorOperators.S2I, INTS, 0);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Bf16 matrices that add up to {@code w}: one when every value is a bf16 already (a bf16
     * checkpoint), else the rounded values and the remainders, whose sum keeps 16 of float32's 24
     * significant bits (all of a float16 checkpoint's), far below the extractor's tolerances.
     */
    static List<short[]> parts(float[] w) {
        short[] high = new short[w.length];
        short[] low = new short[w.length];
        boolean exact = true;
        for (int i = 0; i < w.length; i++) {
            high[i] = round(w[i]);
            low[i] = round(w[i] - toFloat(high[i]));
            exact &= low[i] == 0;
        }
        return exact ? List.of(high) : List.of(high, low);
    }

    /** {@code x} rounded to the nearest bf16 (ties to even); finite weights only. */
    static short round(float x) {
        int bits = Float.floatToRawIntBits(x);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The float a bf16 value stands for, exactly. */
    static float toFloat(short b) {
        return Float.intBitsToFloat(b << 16);
    }
}
