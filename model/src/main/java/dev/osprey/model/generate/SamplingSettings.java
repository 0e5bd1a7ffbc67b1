package dev.osprey.model.generate;

import dev.osprey.model.error.OspreyException;
import java.util.SplittableRandom;

/**
 * How the next token is chosen, in the order transformers applies them: logits divided by the
 * temperature, then the {@code topK} most likely kept, then the smallest most-likely set with
 * probability mass {@code topP}, then a draw.
 *
 * @param temperature ≥ 0; 0 means greedy (argmax, the lowest id on a tie)
 * @param topK        ≥ 0; 0 keeps every token
 * @param topP        in (0, 1]; 1 keeps every token
 * @param seed        seeds the random draws, so equal settings and inputs give equal outputs
 */
public record SamplingSettings(double temperature, int topK, double topP, long seed) {

    /** The reference's temperature (spec §4.6). */
    public static final double DEFAULT_TEMPERATURE = 0.2;
    /** transformers' default top_k, which the reference does not override. */
    public static final int DEFAULT_TOP_K = 50;
    /** transformers' default top_p. */
    public static final double DEFAULT_TOP_P = 1.0;

    public SamplingSettings {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw OspreyException.badInput("temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0) {
            throw OspreyException.badInput("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw OspreyException.badInput("top_p must be in (0, 1], got " + topP);
        }
    }

    /** Argmax decoding. */
    public static SamplingSettings greedy() {
        return new SamplingSettings(0, 0, 1, 0);
    }

    /** The reference's sampling (temperature 0.2, top_k 50, top_p 1.0) with {@code seed}. */
    public static SamplingSettings reference(long seed) {
        return new SamplingSettings(DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P, seed);
    }

    /**
     * The given settings, the reference's defaults for those left out (null), and a fresh random
     * seed if none is given.
     */
    public static SamplingSettings orDefaults(Double temperature, Integer topK, Double topP, Long seed) {
        return new SamplingSettings(temperature != null ? temperature : DEFAULT_TEMPERATURE,
                topK != null ? topK : DEFAULT_TOP_K,
                topP != null ? topP : DEFAULT_TOP_P,
                seed != null ? seed : new SplittableRandom().nextLong());
    }

    /** Whether every choice is the argmax: temperature 0, or only one token kept. */
    public boolean isGreedy() {
        return temperature == 0 || topK == 1;
    }
}
