package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.generate.Sampler;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DESIGN's gates for reduced precisions on every golden run: a quantised graph equals an fp32 graph
 * of its own dequantised weights (the packing and the kernels are right), and int8 stays close to fp32.
 */
class DecoderQuantizationGateTest {

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);
    @RegisterExtension
    static final GoldenDecoder.Shared FP16 = new GoldenDecoder.Shared(DecoderPrecision.FP16);
    @RegisterExtension
    static final GoldenDecoder.Shared INT8 = new GoldenDecoder.Shared(DecoderPrecision.INT8);
    @RegisterExtension
    static final GoldenDecoder.Shared INT4 = new GoldenDecoder.Shared(DecoderPrecision.INT4);
    @RegisterExtension
    static final GoldenDecoder.Shared INT8_DYNAMIC = new GoldenDecoder.Shared(DecoderPrecision.INT8_DYNAMIC);

    private static final Map<DecoderSession, float[][]> LOGITS = new IdentityHashMap<>();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = DecoderPrecision.class, names = {"INT8", "INT4"})
    void quantisedLogitsEqualTheFp32GraphOfTheDequantisedWeights(DecoderPrecision precision) {
        GoldenDecoder golden = FP32.get();
        DecoderGraphBuilder.build(new Dequantised(golden.weights, precision), golden.config, DecoderPrecision.FP32, dir.resolve("dequantised"));
        DecoderGraphBuilder.build(golden.weights, golden.config, precision, DecoderGraphBuilder.ACCURACY_FLOAT_ACTIVATIONS,
                dir.resolve("float-activations"));
        try (DecoderSession dequantised = open("dequantised");
                DecoderSession floatActivations = open("float-activations")) {
            double exact = maxOverRuns(DecoderQuantizationGateTest::maxAbsDiff, floatActivations, dequantised);
            // The bundle's int8 activations (accuracy_level 4) add their own rounding: reported only.
            double bundle = maxOverRuns(DecoderQuantizationGateTest::maxAbsDiff, (precision == DecoderPrecision.INT8 ? INT8 : INT4).get().session,
                    dequantised);
            System.out.printf("%s vs fp32 of its dequantised weights, max |logit diff|: %.2e with float activations, "
                    + "%.2e with int8 activations (bundle)%n", precision.label(), exact, bundle);
            assertThat(exact).as("%s (float activations) vs dequantised fp32", precision.label()).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void int8KeepsTheTop1AndACosineOfAtLeast0999OnEveryRun() {
        Agreement int8 = agreement(INT8.get().session);
        System.out.println("int8 vs fp32: " + int8);
        assertThat(int8.top1Equal()).as("runs whose int8 top-1 equals fp32's").isEqualTo(int8.runs());
        assertThat(int8.minCosine()).as("int8 min cosine to fp32").isGreaterThanOrEqualTo(0.999);
    }

    /**
     * The prefill graph's precision replaces int4 for prompts: it must stay at int8's cosine and agree
     * with fp32 at least as often as int4 does. Its activations are quantised per run rather than per
     * block, so a margin below int8 noise may flip (25 of 26 runs when this gate was set).
     */
    @Test
    void int8DynamicKeepsACosineOfAtLeast0999AndAgreesMoreOftenThanInt4() {
        Agreement dynamic = agreement(INT8_DYNAMIC.get().session);
        Agreement int4 = agreement(INT4.get().session);
        System.out.println("int8_dynamic vs fp32: " + dynamic);
        assertThat(dynamic.minCosine()).as("int8_dynamic min cosine to fp32").isGreaterThanOrEqualTo(0.999);
        assertThat(dynamic.top1Equal()).as("runs whose int8_dynamic top-1 equals fp32's").isGreaterThanOrEqualTo(int4.top1Equal())
                .isGreaterThanOrEqualTo(dynamic.runs() - 2);
    }

    @Test
    void fp16StaysWithinRoundingOfFp32AndInt4AgreementIsReported() {
        Agreement fp16 = agreement(FP16.get().session);
        // int4 noise exceeds the tiny random model's top-1 margins (DESIGN): reported, not asserted.
        System.out.println("fp16 vs fp32: " + fp16 + "\nint4 vs fp32: " + agreement(INT4.get().session));
        assertThat(fp16.minCosine()).as("fp16 min cosine to fp32").isGreaterThanOrEqualTo(0.9999);
    }

    private DecoderSession open(String folder) {
        return DecoderSession.open(dir.resolve(folder).resolve(DecoderGraphBuilder.MODEL_FILE), FP32.get().config, 1);
    }

    /** The largest {@code metric(a's logits, b's logits)} over all golden runs. */
    private static double maxOverRuns(BiFunction<float[], float[], Double> metric, DecoderSession a, DecoderSession b) {
        return runValues(metric, a, b).max().orElseThrow();
    }

    private static DoubleStream runValues(BiFunction<float[], float[], Double> metric, DecoderSession a, DecoderSession b) {
        float[][] left = logitsOfEveryRun(a);
        float[][] right = logitsOfEveryRun(b);
        return IntStream.range(0, left.length).mapToDouble(i -> metric.apply(left[i], right[i]));
    }

    /** First-step logits of every golden run, computed once per session. */
    private static float[][] logitsOfEveryRun(DecoderSession session) {
        return LOGITS.computeIfAbsent(session, s -> {
            List<float[]> logits = new ArrayList<>();
            GoldenRuns.forEach((run, tensors) ->
                    logits.add(GoldenDecoder.firstStepLogits(s, run.assemble(FP32.get().table, tensors))));
            return logits.toArray(float[][]::new);
        });
    }

    /** Top-1 agreement and cosine of a graph's first-step logits with fp32's over all golden runs. */
    record Agreement(long runs, long top1Equal, double minCosine, double meanCosine) {
    }

    private static Agreement agreement(DecoderSession other) {
        DecoderSession fp32 = FP32.get().session;
        double[] top1 = runValues((a, b) -> argmax(a) == argmax(b) ? 1.0 : 0.0, fp32, other).toArray();
        double[] cosines = runValues(DecoderQuantizationGateTest::cosine, fp32, other).toArray();
        return new Agreement(top1.length, (long) DoubleStream.of(top1).sum(), DoubleStream.of(cosines).min().orElseThrow(),
                DoubleStream.of(cosines).average().orElseThrow());
    }

    private static int argmax(float[] logits) {
        return Sampler.argmax(logits, 0, logits.length);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
        }
        return worst;
    }

    /** The weights with every projection matrix replaced by its quantise → dequantise round trip. */
    private record Dequantised(TensorStore weights, DecoderPrecision precision) implements TensorStore {
        @Override
        public Set<String> names() {
            return weights.names();
        }

        @Override
        public Tensor get(String name) {
            Tensor tensor = weights.get(name);
            if (!name.endsWith("_proj.weight") && !name.equals(DecoderConfig.LM_HEAD)) {
                return tensor;
            }
            QuantizedWeight q = WeightQuantizer.quantize(tensor, precision.bitsFor(name), WeightQuantizer.PREFERRED_BLOCK);
            return Tensor.ofFloats(name, tensor.shape(), q.dequantize());
        }

        @Override
        public void close() {
            // The wrapped store belongs to the caller.
        }
    }
}
