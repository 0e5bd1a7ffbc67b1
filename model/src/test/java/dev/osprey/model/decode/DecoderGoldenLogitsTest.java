package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fp32 decoder graph reproduces the reference's first-step logits of every golden run. */
class DecoderGoldenLogitsTest {

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @Test
    void firstStepLogitsAndTop5MatchTheReferenceForEveryRun() {
        Map<String, Double> worstPerCase = new TreeMap<>();
        GoldenRuns.forEach((run, tensors) -> {
            float[] logits = FP32.get().firstStepLogits(run.assemble(FP32.get().table, tensors));
            float[] expected = tensors.logits().get(run.logitsTensor());
            Golden.assertClose(run.label() + " logits", logits, expected, 1e-3, 1e-4);
            assertThat(top5(logits)).as("%s top-5 ids", run.label()).containsExactly(run.top5Ids());
            worstPerCase.merge(run.caseName(), Golden.relativeMaxError(logits, expected), Math::max);
        });
        System.out.printf("fp32 first-step logits, relative max error per case (worst run): %s%n", worstPerCase);
        assertThat(worstPerCase).hasSize(Golden.CASES.length)
                .allSatisfy((caseName, error) -> assertThat(error).as(caseName).isLessThanOrEqualTo(1e-4));
    }

    /** The five highest logits' ids, highest first. */
    static int[] top5(float[] logits) {
        Integer[] order = new Integer[logits.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        return Arrays.stream(order).limit(5).mapToInt(Integer::intValue).toArray();
    }
}
