package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decoder with a prefill graph: runs of {@value DecoderSession#PREFILL_GRAPH_MIN_POSITIONS} or more
 * positions go to the prefill graph, shorter runs and steps to the decode graph, both over one cache.
 */
class PrefillGraphTest {

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);
    @RegisterExtension
    static final GoldenDecoder.Shared INT8_DYNAMIC = new GoldenDecoder.Shared(DecoderPrecision.INT8_DYNAMIC);

    @TempDir
    Path dir;

    @Test
    void longRunsGoToThePrefillGraphAndStepsToTheDecodeGraphOverOneCache() {
        GoldenDecoder fp32 = FP32.get();
        GoldenDecoder int8 = INT8_DYNAMIC.get();
        InterleavedSequence prompt = firstRun(fp32);
        assertThat(prompt.length()).isGreaterThanOrEqualTo(DecoderSession.PREFILL_GRAPH_MIN_POSITIONS);
        float[] next = new float[fp32.config.hidden()];
        fp32.table.copyRow(5, next, 0);
        try (DecoderSession both = open(prefillGraph());
                KvCache cache = both.newCache(1, prompt.length() + 1);
                KvCache reference = int8.session.newCache(1, prompt.length() + 1)) {
            assertThat(both.hasPrefillGraph()).isTrue();
            float[] prefilled = both.prefill(cache, prompt.embeds(), prompt.length(), Cancellation.NONE);
            assertThat(prefilled).containsExactly(int8.session.prefill(reference, prompt.embeds(), prompt.length(), Cancellation.NONE));
            // The step reads the keys and values the prefill graph wrote, through the decode graph.
            assertThat(both.step(cache, next, Cancellation.NONE)).containsExactly(fp32.session.step(reference, next, Cancellation.NONE));
        }
    }

    @Test
    void shortRunsStayWithTheDecodeGraph() {
        GoldenDecoder fp32 = FP32.get();
        InterleavedSequence prompt = firstRun(fp32);
        int n = DecoderSession.PREFILL_GRAPH_MIN_POSITIONS - 1;
        float[] embeds = Arrays.copyOf(prompt.embeds(), n * fp32.config.hidden());
        try (DecoderSession both = open(prefillGraph());
                KvCache cache = both.newCache(1, n);
                KvCache reference = fp32.session.newCache(1, n)) {
            assertThat(both.prefill(cache, embeds, n, Cancellation.NONE))
                    .containsExactly(fp32.session.prefill(reference, embeds, n, Cancellation.NONE));
        }
    }

    @Test
    void graphsThatKeepTheirCachesDifferentlyAreRefused() {
        Path prefill = prefillGraph();
        float[][] ones = new float[FP32.get().config.layers()][];
        Arrays.setAll(ones, l -> filled(FP32.get().config.kvHeads() * FP32.get().config.headDim()));
        Int8KvGraph.rewrite(prefill, new KvScales(ones, ones));
        assertThatThrownBy(() -> open(prefill))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_BUNDLE))
                .hasMessageContaining("keep their KV caches differently");
    }

    private Path prefillGraph() {
        GoldenDecoder fp32 = FP32.get();
        Path file = dir.resolve(DecoderGraphBuilder.PREFILL_MODEL_FILE);
        if (!Files.exists(file)) {
            DecoderGraphBuilder.buildFile(fp32.weights, fp32.config, DecoderPrecision.INT8_DYNAMIC,
                    DecoderGraphBuilder.ACCURACY_INT8_ACTIVATIONS, file);
        }
        return file;
    }

    private DecoderSession open(Path prefill) {
        Path decoder = dir.resolve("decode").resolve(DecoderGraphBuilder.MODEL_FILE);
        if (!Files.exists(decoder)) {
            DecoderGraphBuilder.build(FP32.get().weights, FP32.get().config, DecoderPrecision.FP32, decoder.getParent());
        }
        return DecoderSession.open(decoder, prefill, FP32.get().config, 1, file -> options -> { });
    }

    private static InterleavedSequence firstRun(GoldenDecoder golden) {
        List<InterleavedSequence> runs = new ArrayList<>();
        GoldenRuns.forEach((run, tensors) -> runs.add(run.assemble(golden.table, tensors)));
        return runs.getFirst();
    }

    private static float[] filled(int n) {
        float[] values = new float[n];
        Arrays.fill(values, 0.01f);
        return values;
    }
}
