package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.generate.Sampler;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A prefix's keys and values, snapshotted and loaded into another cache, continue every golden prompt
 * exactly as prefilling the whole prompt does; the prefix is [BOS .. last image token].
 */
class KvCachePrefixGoldenTest {

    private static final int NEW_TOKENS = 16;

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @Test
    void prefixLoadThenSuffixPrefillGivesTheWholePromptsLogits() {
        DecoderSession session = FP32.get().session;
        AtomicInteger runs = new AtomicInteger();
        double[] worst = {0};
        GoldenRuns.forEach((run, tensors) -> {
            InterleavedSequence sequence = run.assemble(FP32.get().table, tensors);
            Split split = Split.of(sequence, FP32.get().config.hidden());
            PrefixKv prefix = session.prefixKv(split.prefix(), split.prefixLength(), Cancellation.NONE);
            float[] whole = FP32.get().firstStepLogits(sequence);
            try (KvCache cache = session.newCache(1, sequence.length())) {
                cache.load(prefix, 0);
                assertThat(cache.length()).isEqualTo(split.prefixLength());
                float[] continued = session.prefill(cache, split.suffix(), sequence.length() - split.prefixLength(), Cancellation.NONE);
                Golden.assertClose(run.label() + " logits after the prefix", continued, whole, 1e-5, 0);
                for (int i = 0; i < whole.length; i++) {
                    worst[0] = Math.max(worst[0], Math.abs(continued[i] - whole[i]));
                }
                assertThat(cache.length()).isEqualTo(sequence.length());
            }
            runs.incrementAndGet();
        });
        assertThat(runs.get()).isEqualTo(GoldenRuns.all().size());
        System.out.printf("prefix load + suffix prefill vs whole prompt: max |logit diff| %.2e over %d runs%n", worst[0], runs.get());
    }

    @Test
    void snapshotOfALoadedRowEqualsThePrefix() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        Split split = Split.of(run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName())), FP32.get().config.hidden());
        PrefixKv prefix = FP32.get().session.prefixKv(split.prefix(), split.prefixLength(), Cancellation.NONE);
        try (KvCache cache = FP32.get().session.newCache(3, split.prefixLength() + 4)) {
            cache.load(prefix, 2);
            assertThat(cache.length(0)).isZero();
            PrefixKv copy = cache.snapshot(2, prefix.length());
            for (int l = 0; l < prefix.layers(); l++) {
                assertThat(copy.keys(l)).containsExactly(prefix.keys(l));
                assertThat(copy.values(l)).containsExactly(prefix.values(l));
            }
        }
        DecoderConfig config = FP32.get().config;
        assertThat(prefix.bytes()).isEqualTo(2L * config.layers() * config.kvHeads() * config.headDim() * split.prefixLength() * 4);
        System.out.printf("prefix of %d positions at the tiny shape: %d bytes%n", prefix.length(), prefix.bytes());
    }

    @Test
    void sequencesAfterASharedPrefixDecodeTogetherAsTheyDoOneAtATime() {
        GoldenRuns.CaseTensors tensors = GoldenRuns.tensors("s1_img0");
        List<GoldenRuns.Run> runs = GoldenRuns.all().stream().filter(r -> r.caseName().equals("s1_img0")).toList();
        int hidden = FP32.get().config.hidden();
        List<Split> splits = runs.stream().map(r -> Split.of(r.assemble(FP32.get().table, tensors), hidden)).toList();
        DecoderSession session = FP32.get().session;
        PrefixKv prefix = session.prefixKv(splits.getFirst().prefix(), splits.getFirst().prefixLength(), Cancellation.NONE);
        int maxLength = splits.stream().mapToInt(Split::length).max().orElseThrow() + NEW_TOKENS;

        long before = session.runs();
        int[][] batched;
        try (KvCache cache = session.newCache(runs.size(), maxLength)) {
            batched = greedy(cache, session.prefillAfter(cache, prefix, splits.stream().map(Split::suffix).toList(), Cancellation.NONE));
        }
        assertThat(session.runs() - before).as("graph runs: one suffix prefill per sequence, then one per further token")
                .isEqualTo(runs.size() + NEW_TOKENS - 1);

        for (int b = 0; b < runs.size(); b++) {
            // Every run of a case shares the prefix: the system text and image are the same.
            assertThat(splits.get(b).prefix()).isEqualTo(splits.getFirst().prefix());
            int[] alone;
            try (KvCache cache = session.newCache(1, maxLength)) {
                alone = greedy(cache, session.prefillAfter(cache, prefix, List.of(splits.get(b).suffix()), Cancellation.NONE))[0];
            }
            GoldenRuns.Run run = runs.get(b);
            assertThat(batched[b]).as("%s batched vs alone", run.label()).containsExactly(alone);
            assertThat(Arrays.copyOf(alone, run.reliablePrefix())).as("%s greedy ids over the reliable prefix", run.label())
                    .containsExactly(Arrays.copyOf(run.greedyIds(), run.reliablePrefix()));
        }
    }

    /** {@value #NEW_TOKENS} greedy ids per sequence from the first logits on. */
    private static int[][] greedy(KvCache cache, float[] logits) {
        int batch = cache.batch();
        int vocab = FP32.get().config.vocab();
        int hidden = FP32.get().config.hidden();
        int[][] ids = new int[batch][NEW_TOKENS];
        float[] next = new float[batch * hidden];
        for (int t = 0; t < NEW_TOKENS; t++) {
            for (int b = 0; b < batch; b++) {
                ids[b][t] = Sampler.argmax(logits, b * vocab, vocab);
                FP32.get().table.copyRow(ids[b][t], next, b * hidden);
            }
            if (t + 1 < NEW_TOKENS) {
                logits = FP32.get().session.step(cache, next, Cancellation.NONE);
            }
        }
        return ids;
    }

    /** A prompt cut after its image tokens: the cacheable prefix and the question-specific suffix. */
    @Test
    void aViewOfTheFirstRowsStepsThoseRowsInPlaceAndLeavesTheOthers() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        int hidden = FP32.get().config.hidden();
        Split split = Split.of(run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName())), hidden);
        DecoderSession session = FP32.get().session;
        PrefixKv prefix = session.prefixKv(split.prefix(), split.prefixLength(), Cancellation.NONE);
        // Two rows' next inputs: the suffix's first two embeddings.
        float[] step = Arrays.copyOf(split.suffix(), 2 * hidden);
        float[] expected;
        try (KvCache two = session.newCache(2, split.prefixLength() + 1)) {
            two.load(prefix, 0);
            two.load(prefix, 1);
            expected = session.step(two, step, Cancellation.NONE);
        }
        try (KvCache three = session.newCache(3, split.prefixLength() + 1)) {
            for (int row = 0; row < 3; row++) {
                three.load(prefix, row);
            }
            try (KvCache view = three.firstRows(2)) {
                assertThat(session.step(view, step, Cancellation.NONE)).containsExactly(expected);
                assertThat(view.length()).isEqualTo(split.prefixLength() + 1);
            }
            assertThat(three.length(0)).as("a row of the view, seen from the whole cache").isEqualTo(split.prefixLength() + 1);
            assertThat(three.length(2)).as("the row outside the view").isEqualTo(split.prefixLength());
            PrefixKv untouched = three.snapshot(2, split.prefixLength());
            for (int l = 0; l < prefix.layers(); l++) {
                assertThat(untouched.keys(l)).containsExactly(prefix.keys(l));
            }
        }
    }

    record Split(float[] prefix, float[] suffix, int prefixLength, int length) {

        static Split of(InterleavedSequence sequence, int hidden) {
            int cut = sequence.imageEnd() * hidden;
            float[] embeds = sequence.embeds();
            return new Split(Arrays.copyOf(embeds, cut), Arrays.copyOfRange(embeds, cut, sequence.length() * hidden),
                    sequence.imageEnd(), sequence.length());
        }
    }
}
