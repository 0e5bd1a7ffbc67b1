package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.generate.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prefill graph over an int8 KV cache ({@link PrefillKvGraph}) attends in float32 and hands back its
 * new positions' codes: they must be the codes the decode graph's own attention would store, land at
 * the right positions, and leave a cache the decode graph continues.
 */
class PrefillKvGraphTest {

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @TempDir
    Path dir;

    private InterleavedSequence prompt;
    private Path decoder;
    private Path prefill;

    @BeforeEach
    void graphs() throws Exception {
        GoldenDecoder golden = FP32.get();
        prompt = longestRun(golden);
        KvScales scales = KvScales.calibrate(golden.session.prefixKv(prompt.embeds(), prompt.length(), Cancellation.NONE));
        decoder = DecoderGraphBuilder.build(golden.weights, golden.config, DecoderPrecision.FP32, Files.createDirectories(dir.resolve("d")));
        Int8KvGraph.rewrite(decoder, scales);
        // float32 weights in both graphs, so that only the attention differs between them.
        prefill = DecoderGraphBuilder.buildFile(golden.weights, golden.config, DecoderPrecision.FP32, 0,
                Files.createDirectories(dir.resolve("p")).resolve(DecoderGraphBuilder.PREFILL_MODEL_FILE));
        PrefillKvGraph.rewrite(prefill, scales);
    }

    @Test
    void aPromptStoresTheCodesTheDecodeGraphStoresAndKeepsItsTop1() {
        int n = prompt.length();
        try (DecoderSession alone = open(null); DecoderSession both = open(prefill);
                KvCache a = alone.newCache(1, n + 1); KvCache b = both.newCache(1, n + 1)) {
            assertThat(both.hasPrefillGraph()).isTrue();
            assertThat(both.kvCache()).isEqualTo(KvPrecision.INT8);
            float[] exactCodes = alone.prefill(a, prompt.embeds(), n, Cancellation.NONE);
            float[] floatAttention = both.prefill(b, prompt.embeds(), n, Cancellation.NONE);

            // Layer 0's keys and values come from the embeddings alone: the same values, rounded alike.
            assertThat(codes(b, 0, n, true)).isEqualTo(codes(a, 0, n, true));
            assertThat(codes(b, 0, n, false)).isEqualTo(codes(a, 0, n, false));
            assertThat(Sampler.argmax(floatAttention, 0, floatAttention.length)).isEqualTo(Sampler.argmax(exactCodes, 0, exactCodes.length));
            assertThat(DecoderQuantizationGateTest.cosine(floatAttention, exactCodes)).isGreaterThanOrEqualTo(0.999);

            // The next step reads the prefill graph's codes through the decode graph, as from any cache.
            float[] next = new float[FP32.get().config.hidden()];
            FP32.get().table.copyRow(5, next, 0);
            try (KvCache copy = alone.newCache(1, n + 1)) {
                copy.load(b.snapshot(0, n, KvPrecision.INT8), 0);
                assertThat(both.step(b, next, Cancellation.NONE)).containsExactly(alone.step(copy, next, Cancellation.NONE));
            }
        }
    }

    @Test
    void aRunAfterCachedPositionsAppendsAfterThemAndLeavesThemAsTheyWere() {
        int n = prompt.length();
        int cached = n - DecoderSession.PREFILL_GRAPH_MIN_POSITIONS;
        int hidden = FP32.get().config.hidden();
        float[] head = Arrays.copyOf(prompt.embeds(), cached * hidden);
        float[] tail = Arrays.copyOfRange(prompt.embeds(), cached * hidden, n * hidden);
        try (DecoderSession alone = open(null); DecoderSession both = open(prefill);
                KvCache a = alone.newCache(1, n + 4); KvCache b = both.newCache(1, n + 4)) {
            alone.prefill(a, head, cached, Cancellation.NONE);
            both.prefill(b, head, cached, Cancellation.NONE);
            byte[] before = codes(b, 1, cached, true);
            float[] exactCodes = alone.prefill(a, tail, n - cached, Cancellation.NONE);
            float[] floatAttention = both.prefill(b, tail, n - cached, Cancellation.NONE);

            assertThat(b.length()).isEqualTo(n);
            assertThat(codes(b, 0, n, true)).isEqualTo(codes(a, 0, n, true));
            assertThat(codes(b, 0, n, false)).isEqualTo(codes(a, 0, n, false));
            assertThat(perHeadPrefix(codes(b, 1, n, true), n, cached)).as("layer 1's positions before the run").isEqualTo(before);
            assertThat(DecoderQuantizationGateTest.cosine(floatAttention, exactCodes)).isGreaterThanOrEqualTo(0.999);
        }
    }

    @Test
    void aBatchOfPromptsStoresWhatEachStoresAlone() {
        int n = prompt.length();
        int hidden = FP32.get().config.hidden();
        float[] other = prompt.embeds().clone();
        for (int i = 0; i < other.length; i++) {
            other[i] = -other[i];
        }
        float[] both = Arrays.copyOf(prompt.embeds(), 2 * n * hidden);
        System.arraycopy(other, 0, both, n * hidden, n * hidden);
        try (DecoderSession session = open(prefill); KvCache batch = session.newCache(2, n); KvCache single = session.newCache(1, n)) {
            session.prefill(batch, both, n, Cancellation.NONE);
            session.prefill(single, other, n, Cancellation.NONE);
            for (int layer : new int[] {0, FP32.get().config.layers() - 1}) {
                assertThat(codes(batch, 1, layer, n, true)).isEqualTo(codes(single, 0, layer, n, true));
                assertThat(codes(batch, 1, layer, n, false)).isEqualTo(codes(single, 0, layer, n, false));
            }
        }
    }

    private DecoderSession open(Path prefillModel) {
        return DecoderSession.open(decoder, prefillModel, FP32.get().config, 1, file -> options -> { });
    }

    private static byte[] codes(KvCache cache, int layer, int length, boolean keys) {
        return codes(cache, 0, layer, length, keys);
    }

    private static byte[] codes(KvCache cache, int row, int layer, int length, boolean keys) {
        PrefixKv snapshot = cache.snapshot(row, length, KvPrecision.INT8);
        return ((KvRows.CacheCodes) (keys ? snapshot.keyRows(layer) : snapshot.valueRows(layer))).codes();
    }

    // The first `cached` positions of every head of a [kvHeads, n, headDim] snapshot, as [kvHeads, cached, headDim].
    private byte[] perHeadPrefix(byte[] codes, int n, int cached) {
        int headDim = FP32.get().config.headDim();
        int heads = codes.length / (n * headDim);
        byte[] out = new byte[heads * cached * headDim];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(codes, h * n * headDim, out, h * cached * headDim, cached * headDim);
        }
        return out;
    }

    private static InterleavedSequence longestRun(GoldenDecoder golden) {
        List<InterleavedSequence> runs = new ArrayList<>();
        GoldenRuns.forEach((run, tensors) -> runs.add(run.assemble(golden.table, tensors)));
        return runs.stream().max((x, y) -> Integer.compare(x.length(), y.length())).orElseThrow();
    }
}
