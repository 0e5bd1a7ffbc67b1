package dev.osprey.model.pipeline;

import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.greedy;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.image;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.ints;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.masks;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.bundle.BundleConverter;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.Int8KvGraph;
import dev.osprey.model.decode.KvPrecision;
import dev.osprey.model.decode.KvScales;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.text.TaskPrompt;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle converted with an int8 KV cache: its scales come from the calibration question through
 * the bundle's own parts, repeatably, and its answers keep the golden first token of every task and
 * case (the int8 gate's top-1), with follow-ups from the prefix cache equal to the first answers.
 */
class KvCalibrationTest {

    @TempDir
    static Path tmp;

    static ModelBundle fp32;
    static ModelBundle int8;
    // int8 KV with an int8 prefill graph beside the decoder.
    static ModelBundle int8Prefill;

    @BeforeAll
    static void convert() {
        BundleConverter converter = new BundleConverter(line -> { });
        converter.convert(Golden.binCheckpoint(), tmp.resolve("fp32"), DecoderPrecision.FP32);
        converter.convert(Golden.binCheckpoint(), tmp.resolve("int8"), DecoderPrecision.FP32, "calibration",
                bundle -> KvCalibration.apply(bundle, 1));
        converter.withPrefillGraph(DecoderPrecision.INT8_DYNAMIC).convert(Golden.binCheckpoint(), tmp.resolve("int8-prefill"),
                DecoderPrecision.FP32, "calibration", bundle -> KvCalibration.apply(bundle, 1));
        fp32 = ModelBundle.open(tmp.resolve("fp32"));
        int8 = ModelBundle.open(tmp.resolve("int8"));
        int8Prefill = ModelBundle.open(tmp.resolve("int8-prefill"));
    }

    @Test
    void theScalesAreRepeatableAndWrittenIntoTheGraph() {
        KvScales measured = KvCalibration.measure(fp32, 1);
        KvScales stored = Int8KvGraph.scalesOf(int8.decoderModel());
        assertThat(Int8KvGraph.scalesOf(fp32.decoderModel())).isNull();
        assertThat(stored.layers()).isEqualTo(fp32.decoderConfig().layers());
        for (int l = 0; l < stored.layers(); l++) {
            assertThat(stored.keys()[l]).containsExactly(measured.keys()[l]);
            assertThat(stored.values()[l]).containsExactly(measured.values()[l]);
            for (float scale : stored.keys()[l]) {
                assertThat(scale).isPositive().isFinite();
            }
        }
        try (DecoderSession decoder = DecoderSession.open(int8.decoderModel(), int8.decoderConfig(), 1)) {
            assertThat(decoder.kvCache()).isEqualTo(KvPrecision.INT8);
        }
        assertThatThrownBy(() -> KvCalibration.apply(int8, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("int8 KV cache already");
    }

    @Test
    void aPrefillGraphIsCalibratedOnceWithTheDecoderAndGetsItsScales() {
        assertThat(int8Prefill.prefillDecoderModel()).exists();
        KvScales decoder = Int8KvGraph.scalesOf(int8Prefill.decoderModel());
        assertThat(decoder).isNotNull().isEqualTo(Int8KvGraph.scalesOf(int8Prefill.prefillDecoderModel()));
        try (DecoderSession session = int8Prefill.openDecoder(1)) {
            assertThat(session.hasPrefillGraph()).isTrue();
            assertThat(session.kvCache()).isEqualTo(KvPrecision.INT8);
        }
    }

    @Test
    void answersKeepTheGoldenFirstTokenAndFollowUpsEqualFirstAnswers() {
        assertThat(firstTokenMisses(int8)).as("answers whose first token is not the golden one").isZero();
    }

    /** The int8_dynamic gate's allowance (DecoderQuantizationGateTest): at most two first tokens of 26 differ. */
    @Test
    void withAPrefillGraphFirstTokensStayWithinTheInt8DynamicGate() {
        assertThat(firstTokenMisses(int8Prefill)).as("answers whose first token is not the golden one").isLessThanOrEqualTo(2);
    }

    /** Asks every task of every case twice; follow-ups from the prefix cache must equal the first answers. */
    private static int firstTokenMisses(ModelBundle bundle) {
        int tasks = 0;
        int misses = 0;
        try (OspreyPipeline pipeline = new OspreyPipeline(bundle, 1, new PrefixCache(256L << 20))) {
            for (String caseName : Golden.CASES) {
                List<BinaryMask> masks = masks(caseName);
                for (TaskPrompt task : TaskPrompt.values()) {
                    List<Answer> answers = pipeline.answer(image(caseName), masks, new Question.Task(task), greedy());
                    List<Answer> again = pipeline.answer(image(caseName), masks, new Question.Task(task), greedy());
                    for (int q = 0; q < answers.size(); q++) {
                        Answer answer = answers.get(q);
                        int[] golden = ints(result(caseName).get("tasks").get(task.name().toLowerCase(Locale.ROOT)).get("runs")
                                .get(q).get("greedy").get("new_ids"));
                        String label = caseName + " " + task + " region " + answer.region();
                        misses += answer.outputIds()[0] == golden[0] ? 0 : 1;
                        assertThat(again.get(q).outputIds()).as(label + " from the prefix cache").containsExactly(answer.outputIds());
                    }
                    tasks++;
                }
            }
        }
        assertThat(tasks).isEqualTo(Golden.CASES.length * TaskPrompt.values().length);
        return misses;
    }
}
