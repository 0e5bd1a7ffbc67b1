package dev.osprey.model.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses the next token of one sequence from its logits under {@link SamplingSettings}; one
 * instance per sequence, each with its own random stream, so a sequence's draws do not depend on the
 * other sequences of its batch. Not thread-safe.
 *
 * <p>Candidates are ordered by logit, then by lower id, and top-k keeps exactly k of them; so
 * {@code topK = 1} is argmax even on ties (transformers would keep every id tied with the k-th).
 */
public final class Sampler {

    private final SamplingSettings settings;
    private final SplittableRandom random;
    private long[] order = new long[0];
    private double[] weights = new double[0];

    private Sampler(SamplingSettings settings, SplittableRandom random) {
        this.settings = settings;
        this.random = random;
    }

    /**
     * One sampler per sequence of a batch: sequence b gets the b-th stream split from
     * {@code settings.seed()}, so the same seed reproduces every sequence.
     */
    public static Sampler[] forBatch(SamplingSettings settings, int batch) {
        SplittableRandom root = new SplittableRandom(settings.seed());
        Sampler[] samplers = new Sampler[batch];
        for (int b = 0; b < batch; b++) {
            samplers[b] = new Sampler(settings, root.split());
        }
        return samplers;
    }

    /** The next id from {@code count} logits starting at {@code offset}. */
    public int next(float[] logits, int offset, int count) {
        if (settings.isGreedy()) {
            return argmax(logits, offset, count);
        }
        int kept = sortDescending(logits, offset, count);
        if (kept == 0) {
            return argmax(logits, offset, count);
        }
        if (settings.topK() > 0) {
            kept = Math.min(kept, settings.topK());
        }
        double max = logits[offset + id(order[0])];
        double total = 0;
        for (int i = 0; i < kept; i++) {
            weights[i] = Math.exp((logits[offset + id(order[i])] - max) / settings.temperature());
            total += weights[i];
        }
        // top-p: the shortest prefix whose mass reaches topP (always at least one token).
        double mass = 0;
        for (int i = 0; i < kept; i++) {
            mass += weights[i];
            if (mass >= settings.topP() * total) {
                kept = i + 1;
                total = mass;
                break;
            }
        }
        double draw = random.nextDouble() * total;
        for (int i = 0; i < kept - 1; i++) {
            draw -= weights[i];
            if (draw < 0) {
                return id(order[i]);
            }
        }
        return id(order[kept - 1]);
    }

    /** Index of the largest of {@code count} values from {@code offset}; the first one on a tie. */
    public static int argmax(float[] values, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    // Sorts ids by (logit descending, id ascending) as single longs, so no boxing; NaN logits are dropped.
    private int sortDescending(float[] logits, int offset, int count) {
        if (order.length < count) {
            order = new long[count];
            weights = new double[count];
        }
        int n = 0;
        for (int i = 0; i < count; i++) {
            float value = logits[offset + i];
            if (!Float.isNaN(value)) {
                order[n++] = ((long) ~sortableBits(value) << 32) | i;
            }
        }
        Arrays.sort(order, 0, n);
        return n;
    }

    // Float bits mapped to ints whose signed order is the floats' order.
    private static int sortableBits(float value) {
        int bits = Float.floatToIntBits(value);
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }

    private static int id(long key) {
        return (int) key;
    }
}
