package dev.osprey.model.bench;

import dev.osprey.model.bundle.BundleManifest;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.decode.KvPrecision;
import dev.osprey.model.decode.PrefixKv;
import dev.osprey.model.vision.FeatureAgreement;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.VisionFeatures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Timings of the bundle's vision and decoder models on random inputs. */
public final class StageBenchmarks {

    /**
     * @param precision  the bundle's vision precision
     * @param msPerImage best wall time per image
     * @param flops      the graph's FLOPs per image
     * @param gflops     all FLOPs over that time
     * @param agreement  per level, the features against a reference bundle's on the same input; empty without one
     */
    public record VisionResult(String precision, double msPerImage, VisionFlops flops, double gflops, List<FeatureAgreement> agreement) {
    }

    /** Prefill and decode rates, the latter at an empty and at a filled KV cache. */
    public record DecoderResult(int prefillTokens, double prefillTokensPerSecond, double decodeEmptyTokensPerSecond,
            int context, double decodeAtContextTokensPerSecond, KvPrecision kvCache, boolean prefillGraph) {
    }

    /**
     * One decoder step advancing {@code batch} sequences at once.
     *
     * @param msPerStep median wall time of a step
     * @param tokensPerSecond tokens of all sequences per second
     */
    public record BatchStep(int batch, double msPerStep, double tokensPerSecond) {
    }

    private StageBenchmarks() {
    }

    /**
     * Best of {@code runs} single-image encodes after one warm-up; with a {@code reference} bundle
     * (null for none), also how close the features are to its features of the same pixels.
     *
     * @param pixels one preprocessed image [3, size, size], or null for uniform random pixels
     */
    public static VisionResult vision(ModelBundle bundle, ModelBundle reference, float[] pixels, int threads, int runs) {
        BundleManifest m = bundle.manifest();
        int size = m.image().size();
        if (pixels == null) {
            pixels = random(3 * size * size, 1);
        }
        VisionFeatures features;
        double best = Double.MAX_VALUE;
        try (OnnxVisionTower tower = OnnxVisionTower.open(bundle.visionModel(), threads)) {
            features = tower.encode(pixels).getFirst();
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                tower.encode(pixels);
                best = Math.min(best, (System.nanoTime() - start) / 1e6);
            }
        }
        List<FeatureAgreement> agreement = List.of();
        if (reference != null) {
            try (OnnxVisionTower tower = OnnxVisionTower.open(reference.visionModel(), threads)) {
                agreement = FeatureAgreement.of(features, tower.encode(pixels).getFirst());
            }
        }
        VisionFlops flops = VisionFlops.perImage(m.vision().depths(), m.vision().dims(), m.vision().mmHidden(), m.llm().hidden(), size, 4);
        return new VisionResult(m.vision().precision(), best, flops, flops.total() / (best / 1e3) / 1e9, agreement);
    }

    /**
     * Prefill of {@code prefill} tokens in one call; then decode steps at an empty cache and after
     * filling the cache to {@code context} positions.
     */
    public static DecoderResult decoder(ModelBundle bundle, int threads, int prefill, int context, int steps) {
        DecoderConfig config = bundle.decoderConfig();
        int hidden = config.hidden();
        try (DecoderSession session = bundle.openDecoder(threads)) {
            double prefillRate;
            double emptyRate;
            try (KvCache cache = session.newCache(1, prefill + steps + 1)) {
                long start = System.nanoTime();
                session.prefill(cache, random(prefill * hidden, 2), prefill, Cancellation.NONE);
                prefillRate = prefill / ((System.nanoTime() - start) / 1e9);
            }
            try (KvCache cache = session.newCache(1, steps + 2)) {
                session.prefill(cache, random(hidden, 3), 1, Cancellation.NONE);
                emptyRate = decodeRate(session, cache, hidden, steps);
            }
            double contextRate;
            try (KvCache cache = session.newCache(1, context + steps + 1)) {
                fill(session, cache, context, prefill);
                contextRate = decodeRate(session, cache, hidden, steps);
            }
            return new DecoderResult(prefill, prefillRate, emptyRate, context, contextRate, session.kvCache(), session.hasPrefillGraph());
        }
    }

    /**
     * Median time of a decode step that advances {@code batch} sequences at once, for each batch size,
     * every sequence's cache first filled to {@code context} positions (at least 2): what one step of the shared
     * decode loop costs against a step of a single stream.
     */
    public static List<BatchStep> batchSteps(ModelBundle bundle, int threads, int[] batches, int context, int steps) {
        int hidden = bundle.decoderConfig().hidden();
        List<BatchStep> rows = new ArrayList<>();
        try (DecoderSession session = bundle.openDecoder(threads)) {
            for (int batch : batches) {
                try (KvCache cache = session.newCache(batch, context + steps + 1)) {
                    fillEach(session, cache, context);
                    float[] embeds = random(batch * hidden, 9);
                    session.step(cache, embeds, Cancellation.NONE);
                    long[] times = new long[steps];
                    for (int i = 0; i < steps; i++) {
                        long start = System.nanoTime();
                        session.step(cache, embeds, Cancellation.NONE);
                        times[i] = System.nanoTime() - start;
                    }
                    Arrays.sort(times);
                    double ms = times[steps / 2] / 1e6;
                    rows.add(new BatchStep(batch, ms, batch / (ms / 1e3)));
                }
            }
        }
        return rows;
    }

    // A batch cache continues by one position per run only, so each sequence gets its last position alone.
    private static void fillEach(DecoderSession session, KvCache cache, int context) {
        int hidden = session.config().hidden();
        PrefixKv prefix = session.prefixKv(random((context - 1) * hidden, 4), context - 1, Cancellation.NONE);
        List<float[]> lastPositions = new ArrayList<>();
        for (int b = 0; b < cache.batch(); b++) {
            lastPositions.add(random(hidden, 5 + b));
        }
        session.prefillAfter(cache, prefix, lastPositions, Cancellation.NONE);
    }

    private static double decodeRate(DecoderSession session, KvCache cache, int hidden, int steps) {
        float[] embed = random(hidden, 9);
        session.step(cache, embed, Cancellation.NONE);
        long start = System.nanoTime();
        for (int i = 1; i < steps; i++) {
            session.step(cache, embed, Cancellation.NONE);
        }
        return (steps - 1) / ((System.nanoTime() - start) / 1e9);
    }

    /** Fills {@code cache} with {@code context} random positions in chunks of {@code chunk}; returns the runs it took. */
    static int fill(DecoderSession session, KvCache cache, int context, int chunk) {
        int hidden = session.config().hidden();
        int runs = 0;
        for (int filled = 0; filled < context; filled += chunk, runs++) {
            int n = Math.min(chunk, context - filled);
            session.prefill(cache, random(n * hidden, 4 + filled), n, Cancellation.NONE);
        }
        return runs;
    }

    /** Uniform values in [-1, 1) from {@code seed}. */
    static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return values;
    }
}
