package dev.osprey.model.region;

import java.util.Arrays;

/**
 * The two tokens the mask extractor makes for each of Q regions, in region order: they replace
 * the {@code <mask>} and {@code <pos>} ids of the region's slot in the LLM input.
 *
 * @param maskTokens    {@code [Q][D]} row-major: pooled features through the level Linears and {@code feat_linear}
 * @param posTokens     {@code [Q][D]} row-major: the 112x112 mask through the spatial MLP
 * @param regions       Q
 * @param width         D, the LLM's hidden size
 * @param cellsPerLevel for each region, the cells its mask selects on res2..res5 (diagnostics: a 0
 *                      means the region vanished at that level and contributes only a bias)
 */
public record RegionTokens(float[] maskTokens, float[] posTokens, int regions, int width, int[][] cellsPerLevel) {

    public RegionTokens {
        if (maskTokens.length != (long) regions * width || posTokens.length != (long) regions * width
                || cellsPerLevel.length != regions) {
            throw new IllegalArgumentException("expected " + regions + " regions of width " + width);
        }
    }

    /** Region {@code q}'s mask token (a copy). */
    public float[] maskToken(int q) {
        return Arrays.copyOfRange(maskTokens, q * width, (q + 1) * width);
    }

    /** Region {@code q}'s pos token (a copy). */
    public float[] posToken(int q) {
        return Arrays.copyOfRange(posTokens, q * width, (q + 1) * width);
    }
}
