package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.generate.FinishReason;
import dev.osprey.model.generate.Generation;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.Generator;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.text.OspreyTokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The generation loop over the golden decoder: greedy parity, batching, stops, streaming, cancellation, sampling. */
class GeneratorGoldenTest {

    private static final int NEW_TOKENS = 16;

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    static OspreyTokenizer tokenizer;

    @BeforeAll
    static void loadTokenizer() {
        tokenizer = OspreyTokenizer.load(Golden.safetensorsCheckpoint());
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    @Test
    void greedyIdsMatchTheReferenceOverEachRunsReliablePrefix() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger fullMatches = new AtomicInteger();
        GoldenRuns.forEach((run, tensors) -> {
            InterleavedSequence sequence = run.assemble(FP32.get().table, tensors);
            Generation generation = generate(1, sequence.embeds(), sequence.length(), greedy()).getFirst();
            assertThat(generation.outputIds()).as("%s greedy ids", run.label()).hasSize(NEW_TOKENS);
            assertThat(generation.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertReliablePrefixMatches(run, generation.outputIds());
            assertThat(generation.text()).isEqualTo(tokenizer.decode(generation.outputIds()));
            if (Arrays.equals(generation.outputIds(), run.greedyIds())) {
                // The reference's own decode of the same 16 ids (skip special tokens).
                assertThat(generation.text()).as("%s decoded text", run.label()).isEqualTo(run.greedyText());
                fullMatches.incrementAndGet();
            }
            runs.incrementAndGet();
        });
        assertThat(runs.get()).isEqualTo(GoldenRuns.all().size());
        System.out.printf("greedy: %d of %d golden runs match all %d ids and the reference text%n", fullMatches.get(), runs.get(), NEW_TOKENS);
    }

    @Test
    void regionsOfOneTaskDecodeAsOneBatchWithOneRunPerStepAndEqualOneAtATime() {
        List<GoldenRuns.Run> runs = shortRunsOfFirstCase();
        float[] prompts = batchOf(runs);
        int n = runs.getFirst().sequenceLength();
        long before = FP32.get().session.runs();
        List<Generation> batched = generate(runs.size(), prompts, n, greedy());
        assertThat(FP32.get().session.runs() - before).as("graph runs: one prefill, then one per further token").isEqualTo(NEW_TOKENS);
        GoldenRuns.CaseTensors tensors = GoldenRuns.tensors(runs.getFirst().caseName());
        for (int b = 0; b < runs.size(); b++) {
            assertReliablePrefixMatches(runs.get(b), batched.get(b).outputIds());
            InterleavedSequence alone = runs.get(b).assemble(FP32.get().table, tensors);
            assertThat(batched.get(b).outputIds()).as("batched equals alone, sequence %d", b)
                    .containsExactly(generate(1, alone.embeds(), n, greedy()).getFirst().outputIds());
        }
    }

    @Test
    void aSequenceEndsAfterTheEosIdWhileTheOthersContinueAndStreamNothingMoreForIt() {
        List<GoldenRuns.Run> runs = shortRunsOfFirstCase();
        // Region 2's sixth greedy id, absent from the others' ids: sequence 1 ends early, 0 and 2 run on.
        int eos = runs.get(1).greedyIds()[5];
        List<List<Integer>> streamed = new ArrayList<>();
        runs.forEach(r -> streamed.add(new ArrayList<>()));
        GenerationRequest request = greedy().withListener((sequence, piece, id) -> streamed.get(sequence).add(id));
        List<Generation> out = generate(new Generator(FP32.get().session, FP32.get().table, tokenizer, eos), runs.size(),
                batchOf(runs), runs.getFirst().sequenceLength(), request);
        assertThat(out.get(1).outputIds()).containsExactly(Arrays.copyOf(runs.get(1).greedyIds(), 6));
        assertThat(out.get(1).finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(out.get(1).usage().completionTokens()).isEqualTo(6);
        assertThat(streamed.get(1)).as("ids streamed for the stopped sequence").hasSizeBetween(6, 7)
                .startsWith(Arrays.stream(out.get(1).outputIds()).boxed().toArray(Integer[]::new));
        for (int b : new int[] {0, 2}) {
            assertThat(out.get(b).finishReason()).isEqualTo(FinishReason.LENGTH);
            assertReliablePrefixMatches(runs.get(b), out.get(b).outputIds());
        }
    }

    @Test
    void aStopStringEndsTheSequenceAndIsNotEmitted() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        InterleavedSequence sequence = run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName()));
        String full = tokenizer.decode(run.greedyIds());
        String stop = full.substring(10, 14);
        StringBuilder streamed = new StringBuilder();
        Generation g = generate(1, sequence.embeds(), sequence.length(),
                greedy().withStopStrings(List.of(stop)).withListener((s, piece, id) -> streamed.append(piece))).getFirst();
        assertThat(g.finishReason()).isEqualTo(FinishReason.STOP_STRING);
        assertThat(g.text()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(streamed).hasToString(g.text());
        assertThat(g.outputIds().length).isLessThan(NEW_TOKENS);
    }

    @Test
    void cancellationAfterNTokensStopsWithinOneStep() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        InterleavedSequence sequence = run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName()));
        AtomicInteger tokens = new AtomicInteger();
        int n = 5;
        long before = FP32.get().session.runs();
        Generation g;
        try (Cancellation cancellation = new Cancellation()) {
            g = generate(1, sequence.embeds(), sequence.length(), greedy().withCancellation(cancellation).withListener((s, piece, id) -> {
                if (tokens.incrementAndGet() >= n) {
                    cancellation.cancel();
                }
            })).getFirst();
        }
        assertThat(g.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(g.outputIds()).containsExactly(Arrays.copyOf(run.greedyIds(), n));
        assertThat(FP32.get().session.runs() - before).as("prefill + one step per further token").isEqualTo(n);
        assertThat(g.usage().completionTokens()).isEqualTo(n);
        assertThat(g.usage().total()).isGreaterThanOrEqualTo(g.usage().timeToFirstToken());
    }

    @Test
    void seededSamplingIsReproducibleAndTopKOneIsGreedy() {
        List<GoldenRuns.Run> runs = shortRunsOfFirstCase();
        int n = runs.getFirst().sequenceLength();
        float[] prompts = batchOf(runs);
        SamplingSettings hot = new SamplingSettings(1.5, 0, 0.95, 42);
        List<Generation> first = generate(runs.size(), prompts, n, GenerationRequest.of(hot, NEW_TOKENS));
        List<Generation> second = generate(runs.size(), prompts, n, GenerationRequest.of(hot, NEW_TOKENS));
        List<Generation> greedy = generate(runs.size(), prompts, n, greedy());
        List<Generation> topOne = generate(runs.size(), prompts, n, GenerationRequest.of(new SamplingSettings(1.0, 1, 1.0, 7), NEW_TOKENS));
        for (int b = 0; b < runs.size(); b++) {
            assertThat(second.get(b).outputIds()).containsExactly(first.get(b).outputIds());
            assertThat(topOne.get(b).outputIds()).containsExactly(greedy.get(b).outputIds());
        }
        List<int[]> sampled = first.stream().map(Generation::outputIds).toList();
        assertThat(sampled)
                .as("temperature 1.5 departs from greedy somewhere")
                .anySatisfy(ids -> assertThat(Arrays.equals(ids, greedy.get(sampled.indexOf(ids)).outputIds())).isFalse());
    }

    private static GenerationRequest greedy() {
        return GenerationRequest.of(SamplingSettings.greedy(), NEW_TOKENS);
    }

    private static List<GoldenRuns.Run> shortRunsOfFirstCase() {
        return GoldenRuns.all().stream().filter(r -> r.caseName().equals("s1_img0") && r.task().equals("short")).toList();
    }

    private static float[] batchOf(List<GoldenRuns.Run> runs) {
        GoldenRuns.CaseTensors tensors = GoldenRuns.tensors(runs.getFirst().caseName());
        int rowValues = runs.getFirst().sequenceLength() * FP32.get().table.hidden();
        float[] prompts = new float[runs.size() * rowValues];
        for (int b = 0; b < runs.size(); b++) {
            System.arraycopy(runs.get(b).assemble(FP32.get().table, tensors).embeds(), 0, prompts, b * rowValues, rowValues);
        }
        return prompts;
    }

    private static List<Generation> generate(int batch, float[] prompts, int n, GenerationRequest request) {
        return generate(new Generator(FP32.get().session, FP32.get().table, tokenizer), batch, prompts, n, request);
    }

    // Prefills the prompts whole, as RegionChat does without a prefix cache, and hands the cache to the generator.
    private static List<Generation> generate(Generator generator, int batch, float[] prompts, int n, GenerationRequest request) {
        try (KvCache cache = FP32.get().session.newCache(batch, n + NEW_TOKENS)) {
            float[] logits = FP32.get().session.prefill(cache, prompts, n, request.cancellation());
            return generator.generate(cache, new Generator.Prefilled(logits, 0, Duration.ZERO), request);
        }
    }

    private static void assertReliablePrefixMatches(GoldenRuns.Run run, int[] ids) {
        assertThat(Arrays.copyOf(ids, run.reliablePrefix())).as("%s greedy ids over the reliable prefix", run.label())
                .containsExactly(Arrays.copyOf(run.greedyIds(), run.reliablePrefix()));
    }
}
