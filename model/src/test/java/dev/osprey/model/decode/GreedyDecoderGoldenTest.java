package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Greedy decoding with the in-place KV cache reproduces the reference's greedy ids. */
class GreedyDecoderGoldenTest {

    private static final int NEW_TOKENS = 16;

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @Test
    void greedyIdsMatchTheReferenceOverEachRunsReliablePrefix() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger matchedAll = new AtomicInteger();
        GoldenRuns.forEach((run, tensors) -> {
            InterleavedSequence sequence = run.assemble(FP32.get().table, tensors);
            int[] ids = generate(1, sequence.embeds(), sequence.length())[0];
            assertThat(ids).as("%s greedy ids", run.label()).hasSize(NEW_TOKENS);
            assertReliablePrefixMatches(run, ids);
            matchedAll.addAndGet(Arrays.equals(ids, run.greedyIds()) ? 1 : 0);
            runs.incrementAndGet();
        });
        System.out.printf("greedy: %d of %d runs match all %d golden ids%n", matchedAll.get(), runs.get(), NEW_TOKENS);
    }

    @Test
    void regionsOfOneTaskDecodeAsOneBatchWithOneRunPerStep() {
        GoldenRuns.CaseTensors tensors = GoldenRuns.tensors("s1_img0");
        List<GoldenRuns.Run> runs = GoldenRuns.all().stream()
                .filter(r -> r.caseName().equals("s1_img0") && r.task().equals("short")).toList();
        int rowValues = runs.getFirst().sequenceLength() * FP32.get().table.hidden();
        float[] prompts = new float[runs.size() * rowValues];
        for (int b = 0; b < runs.size(); b++) {
            System.arraycopy(runs.get(b).assemble(FP32.get().table, tensors).embeds(), 0, prompts, b * rowValues, rowValues);
        }
        long before = FP32.get().session.runs();
        int[][] ids = generate(runs.size(), prompts, runs.getFirst().sequenceLength());
        assertThat(FP32.get().session.runs() - before).as("graph runs: one prefill, then one per further token").isEqualTo(NEW_TOKENS);
        for (int b = 0; b < runs.size(); b++) {
            assertReliablePrefixMatches(runs.get(b), ids[b]);
        }
    }

    @Test
    void generationEndsAfterTheEosIdWhenOneIsGiven() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        InterleavedSequence sequence = run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName()));
        int eos = run.greedyIds()[2];
        assertThat(generate(1, sequence.embeds(), sequence.length(), eos)[0]).containsExactly(Arrays.copyOf(run.greedyIds(), 3));
    }

    private static int[][] generate(int batch, float[] prompts, int n) {
        return generate(batch, prompts, n, GreedyDecoder.NO_EOS);
    }

    private static int[][] generate(int batch, float[] prompts, int n, int eos) {
        try (KvCache cache = FP32.get().session.newCache(batch, n + NEW_TOKENS)) {
            return new GreedyDecoder(FP32.get().session, FP32.get().table).generate(cache, prompts, n, NEW_TOKENS, eos);
        }
    }

    private static void assertReliablePrefixMatches(GoldenRuns.Run run, int[] ids) {
        assertThat(Arrays.copyOf(ids, run.reliablePrefix())).as("%s greedy ids over the reliable prefix", run.label())
                .containsExactly(Arrays.copyOf(run.greedyIds(), run.reliablePrefix()));
    }
}
