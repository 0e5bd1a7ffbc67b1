package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.generate.Sampler;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An int8 KV cache (ONNX Runtime's attention quantising keys and values with fixed per-channel scales)
 * against the float32 cache on every golden run, the scales calibrated on one golden case and the
 * gate taken on the others (as a bundle is calibrated on one sequence and serves unseen ones): the
 * first token's top-1 on every run and a logits cosine of at least 0.999 (the int8 weights' gate);
 * how many greedy continuations of 16 tokens stay the same is reported.
 */
class Int8KvCacheGateTest {

    private static final int NEW_TOKENS = 16;

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @TempDir
    static Path dir;

    private static DecoderSession int8;
    private static String calibrationCase;

    @BeforeAll
    static void buildTheInt8Graph() {
        GoldenDecoder golden = FP32.get();
        GoldenRuns.Run calibration = GoldenRuns.all().getFirst();
        calibrationCase = calibration.caseName();
        InterleavedSequence sequence = calibration.assemble(golden.table, GoldenRuns.tensors(calibrationCase));
        KvScales scales;
        try (KvCache cache = golden.session.newCache(1, sequence.length())) {
            golden.session.prefill(cache, sequence.embeds(), sequence.length(), Cancellation.NONE);
            scales = KvScales.calibrate(cache.snapshot(0, sequence.length()));
        }
        Path model = DecoderGraphBuilder.build(golden.weights, golden.config, DecoderPrecision.FP32, dir);
        Int8KvGraph.rewrite(model, scales);
        int8 = DecoderSession.open(model, golden.config, 1);
    }

    @AfterAll
    static void close() {
        if (int8 != null) {
            int8.close();
        }
    }

    @Test
    void theGraphKeepsAnInt8CacheAQuarterOfFloat32() {
        assertThat(int8.kvCache()).isEqualTo(KvPrecision.INT8);
        assertThat(FP32.get().session.kvCache()).isEqualTo(KvPrecision.FP32);
        DecoderConfig c = FP32.get().config;
        try (KvCache cache = int8.newCache(1, 8)) {
            int8.prefill(cache, new float[8 * c.hidden()], 8, Cancellation.NONE);
            assertThat(cache.snapshot(0, 8, KvPrecision.FP32).bytes()).isEqualTo(2L * c.layers() * c.kvHeads() * 8 * c.headDim());
        }
    }

    @Test
    void unseenRunsKeepTheirTop1AndACosineOfAtLeast0999() {
        DecoderSession fp32 = FP32.get().session;
        int gated = 0;
        int sameContinuations = 0;
        double lowestCosine = 1;
        for (GoldenRuns.Run run : GoldenRuns.all()) {
            if (run.caseName().equals(calibrationCase)) {
                continue;
            }
            InterleavedSequence sequence = run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName()));
            float[] exact;
            float[] reduced;
            int[] exactIds;
            int[] reducedIds;
            try (KvCache a = fp32.newCache(1, sequence.length() + NEW_TOKENS);
                    KvCache b = int8.newCache(1, sequence.length() + NEW_TOKENS)) {
                exact = fp32.prefill(a, sequence.embeds(), sequence.length(), Cancellation.NONE);
                reduced = int8.prefill(b, sequence.embeds(), sequence.length(), Cancellation.NONE);
                exactIds = greedy(fp32, a, exact);
                reducedIds = greedy(int8, b, reduced);
            }
            double cosine = DecoderQuantizationGateTest.cosine(exact, reduced);
            lowestCosine = Math.min(lowestCosine, cosine);
            assertThat(Sampler.argmax(reduced, 0, reduced.length)).as("%s top-1 with an int8 KV cache", run.label())
                    .isEqualTo(Sampler.argmax(exact, 0, exact.length));
            assertThat(cosine).as("%s logits cosine with an int8 KV cache", run.label()).isGreaterThanOrEqualTo(0.999);
            if (Arrays.equals(exactIds, reducedIds)) {
                sameContinuations++;
            }
            gated++;
        }
        assertThat(gated).isPositive();
        System.out.printf("int8 KV cache over %d unseen golden runs: lowest cosine %.6f, %d of %d greedy continuations of %d "
                + "tokens unchanged%n", gated, lowestCosine, sameContinuations, gated, NEW_TOKENS);
    }

    @Test
    void prefixesMoveBetweenInt8CachesAsCodesAndFloatPrefixesAreRefused() {
        GoldenRuns.Run run = GoldenRuns.all().getLast();
        KvCachePrefixGoldenTest.Split split = KvCachePrefixGoldenTest.Split.of(
                run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName())), FP32.get().config.hidden());
        float[] whole;
        try (KvCache cache = int8.newCache(1, split.length())) {
            whole = int8.prefill(cache, concat(split.prefix(), split.suffix()), split.length(), Cancellation.NONE);
        }
        PrefixKv prefix = int8.prefixKv(split.prefix(), split.prefixLength(), Cancellation.NONE);
        float[] continued;
        try (KvCache cache = int8.newCache(1, split.length())) {
            continued = int8.prefillAfter(cache, prefix, List.of(split.suffix()), Cancellation.NONE);
        }
        assertThat(prefix.bytes()).isEqualTo(2L * FP32.get().config.layers() * FP32.get().config.kvHeads()
                * split.prefixLength() * FP32.get().config.headDim());
        System.out.printf("int8 KV: a continued prefix vs one whole prefill: max |logit diff| %.2e%n",
                DecoderQuantizationGateTest.maxAbsDiff(continued, whole));
        assertThat(continued).containsExactly(whole);
        PrefixKv floats = FP32.get().session.prefixKv(split.prefix(), split.prefixLength(), Cancellation.NONE);
        try (KvCache cache = int8.newCache(1, split.length())) {
            assertThatThrownBy(() -> cache.load(floats, 0)).isInstanceOf(OspreyException.class)
                    .hasMessageContaining("only prefixes taken from a cache of the same decoder");
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] greedy(DecoderSession session, KvCache cache, float[] logits) {
        return FP32.get().greedy(session, cache, logits, NEW_TOKENS);
    }
}
