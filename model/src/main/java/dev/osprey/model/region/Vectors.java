package dev.osprey.model.region;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The float vectors the extractor's kernels run on: the widest the CPU has (16 lanes with AVX-512). */
final class Vectors {

    /** Float lanes of the kernels. */
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Lanes per float vector. */
    static final int LANES = FLOATS.length();

    private Vectors() {
    }
}
