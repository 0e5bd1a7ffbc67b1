package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.generate.Sampler;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cached prefix stored in fp16 or int8 continues every golden prompt as the float32 prefix does, within
 * each precision's gate: fp16 leaves the logits within 1e-2 and every greedy continuation of 16 tokens
 * unchanged; int8 keeps the first token's top-1 on every run and a logits cosine of at least 0.9999
 * (the gate of int8 weights; on the tiny model's random weights the later greedy margins are below
 * int8's noise, as they are for int8 weights).
 */
class PrefixPrecisionGateTest {

    private static final int NEW_TOKENS = 16;

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @Test
    void fp16PrefixesChangeNoAnswer() {
        double worst = gate(KvPrecision.FP16);
        assertThat(worst).as("max |logit diff| of fp16 prefixes").isLessThan(1e-2);
    }

    @Test
    void int8PrefixesPassTheGate() {
        gate(KvPrecision.INT8);
    }

    @Test
    void aSevenBillionPrefixFitsHalfAGibibyteInInt8() {
        // Osprey-7B: 32 layers, 32 kv heads of 128; the shared prefix of a question is 1,059 positions.
        assertThat(PrefixKv.bytes(32, 32, 128, 1059, KvPrecision.INT8)).isLessThanOrEqualTo(512L << 20);
        assertThat(PrefixKv.bytes(32, 32, 128, 1059, KvPrecision.FP16)).isEqualTo(PrefixKv.bytes(32, 32, 128, 1059, KvPrecision.FP32) / 2);
    }

    @Test
    void storedPrefixesTakeWhatTheirPrecisionSays() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        KvCachePrefixGoldenTest.Split split = KvCachePrefixGoldenTest.Split.of(
                run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName())), FP32.get().config.hidden());
        DecoderSession session = FP32.get().session;
        DecoderConfig c = FP32.get().config;
        try (KvCache cache = session.newCache(1, split.prefixLength())) {
            session.prefill(cache, split.prefix(), split.prefixLength(), Cancellation.NONE);
            long values = 2L * c.layers() * c.kvHeads() * c.headDim() * split.prefixLength();
            assertThat(cache.snapshot(0, split.prefixLength(), KvPrecision.FP32).bytes()).isEqualTo(values * 4);
            assertThat(cache.snapshot(0, split.prefixLength(), KvPrecision.FP16).bytes()).isEqualTo(values * 2);
            assertThat(cache.snapshot(0, split.prefixLength(), KvPrecision.INT8).bytes())
                    .isEqualTo(values + 4 * values / c.headDim());
        }
    }

    /** Checks every golden run at {@code precision} against the float32 prefix; returns the worst |logit diff|. */
    private static double gate(KvPrecision precision) {
        DecoderSession session = FP32.get().session;
        int hidden = FP32.get().config.hidden();
        double worst = 0;
        double lowestCosine = 1;
        int runs = 0;
        int sameContinuations = 0;
        for (GoldenRuns.Run run : GoldenRuns.all()) {
            KvCachePrefixGoldenTest.Split split = KvCachePrefixGoldenTest.Split.of(
                    run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName())), hidden);
            float[] exact;
            int[] exactIds;
            float[] stored;
            int[] storedIds;
            try (KvCache cache = session.newCache(1, split.length() + NEW_TOKENS)) {
                session.prefill(cache, split.prefix(), split.prefixLength(), Cancellation.NONE);
                PrefixKv full = cache.snapshot(0, split.prefixLength(), KvPrecision.FP32);
                PrefixKv reduced = cache.snapshot(0, split.prefixLength(), precision);
                exact = continueAfter(cache, full, split);
                exactIds = greedy(cache, exact);
                stored = continueAfter(cache, reduced, split);
                storedIds = greedy(cache, stored);
            }
            for (int i = 0; i < exact.length; i++) {
                worst = Math.max(worst, Math.abs(exact[i] - stored[i]));
            }
            double cosine = DecoderQuantizationGateTest.cosine(exact, stored);
            lowestCosine = Math.min(lowestCosine, cosine);
            assertThat(Sampler.argmax(stored, 0, stored.length)).as("%s top-1 with a %s prefix", run.label(), precision.label())
                    .isEqualTo(Sampler.argmax(exact, 0, exact.length));
            assertThat(cosine).as("%s logits cosine with a %s prefix", run.label(), precision.label()).isGreaterThanOrEqualTo(0.9999);
            if (precision == KvPrecision.FP16) {
                assertThat(storedIds).as("%s greedy ids with a %s prefix", run.label(), precision.label()).containsExactly(exactIds);
            } else if (Arrays.equals(storedIds, exactIds)) {
                sameContinuations++;
            }
            runs++;
        }
        assertThat(runs).isEqualTo(GoldenRuns.all().size());
        System.out.printf("%s prefixes over %d golden runs: max |logit diff| %.2e, lowest cosine %.7f%s%n", precision.label(), runs,
                worst, lowestCosine, precision == KvPrecision.FP16 ? "" : ", " + sameContinuations + " greedy continuations unchanged");
        return worst;
    }

    private static float[] continueAfter(KvCache cache, PrefixKv prefix, KvCachePrefixGoldenTest.Split split) {
        cache.load(prefix, 0);
        return FP32.get().session.prefill(cache, split.suffix(), split.length() - split.prefixLength(), Cancellation.NONE);
    }

    private static int[] greedy(KvCache cache, float[] logits) {
        return FP32.get().greedy(FP32.get().session, cache, logits, NEW_TOKENS);
    }
}
