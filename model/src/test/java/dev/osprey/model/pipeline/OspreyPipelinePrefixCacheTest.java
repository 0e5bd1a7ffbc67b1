package dev.osprey.model.pipeline;

import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.greedy;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.image;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.ints;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.masks;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.bundle.BundleConverter;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.decode.InterleavedSequence;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.text.TaskPrompt;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The pipeline with a prefix cache: follow-up questions reuse the image prefix and still give the golden ids. */
class OspreyPipelinePrefixCacheTest {

    @TempDir
    static Path tmp;

    static ModelBundle bundle;
    static int imageTokens;

    // Each test starts with an empty cache of its own.
    OspreyPipeline pipeline;

    @BeforeAll
    static void convert() {
        Path dir = tmp.resolve("bundle");
        new BundleConverter(line -> { }).convert(Golden.binCheckpoint(), dir, DecoderPrecision.FP32);
        bundle = ModelBundle.open(dir);
        imageTokens = bundle.manifest().image().tokens();
    }

    @BeforeEach
    void open() {
        pipeline = new OspreyPipeline(bundle, 1, new PrefixCache(256L << 20));
    }

    @AfterEach
    void close() {
        pipeline.close();
    }

    @Test
    void followUpsHitTheCachePrefillOnlyTheirSuffixAndGiveTheGoldenIds() {
        PrefixCache cache = pipeline.prefixCache();
        for (String caseName : Golden.CASES) {
            List<BinaryMask> masks = masks(caseName);
            JsonNode tasks = result(caseName).get("tasks");
            boolean first = true;
            for (TaskPrompt task : TaskPrompt.values()) {
                long hits = cache.hits();
                long misses = cache.misses();
                long runs = pipeline.decoderRuns();
                List<Answer> answers = pipeline.answer(image(caseName), masks, new Question.Task(task), greedy());
                String label = caseName + " " + task;
                assertThat(cache.misses() - misses).as(label + " misses").isEqualTo(first ? 1 : 0);
                assertThat(cache.hits() - hits).as(label + " hits").isEqualTo(first ? 0 : 1);
                int produced = answers.stream().mapToInt(a -> a.outputIds().length).max().orElseThrow();
                // A miss first computes the prefix in one run; then one run per region's suffix, and one per step.
                assertThat(pipeline.decoderRuns() - runs).as(label + " runs").isEqualTo((first ? 1 : 0) + masks.size() + produced - 1);
                for (Answer answer : answers) {
                    int prefix = sentinelIndex(answer.inputIds()) + imageTokens;
                    assertThat(answer.usage().promptTokens()).isEqualTo(answer.inputIds().length - 1 + imageTokens);
                    assertThat(answer.usage().cachedPromptTokens()).as(label + " cached").isEqualTo(first ? 0 : prefix);
                    JsonNode greedy = tasks.get(task.name().toLowerCase(Locale.ROOT)).get("runs").get(answer.region() - 1).get("greedy");
                    int reliable = Math.min(greedy.get("reliable_prefix_len").asInt(), answer.outputIds().length);
                    assertThat(Arrays.copyOf(answer.outputIds(), reliable)).as(label + " region " + answer.region())
                            .containsExactly(Arrays.copyOf(ints(greedy.get("new_ids")), reliable));
                }
                first = false;
            }
        }
        assertThat(cache.size()).isEqualTo(Golden.CASES.length);
        assertThat(cache.bytes()).isPositive().isLessThanOrEqualTo(cache.maxBytes());
    }

    @Test
    void batchedFollowUpsEqualOneAtATime() {
        List<BinaryMask> masks = masks("s1_img1");
        pipeline.answer(image("s1_img1"), masks, new Question.Task(TaskPrompt.SHORT), greedy());
        long hits = pipeline.prefixCache().hits();
        List<Answer> together = pipeline.answer(image("s1_img1"), masks, new Question.Task(TaskPrompt.DETAILED), greedy());
        for (int q = 0; q < masks.size(); q++) {
            Answer single = pipeline.answer(image("s1_img1"), List.of(masks.get(q)), new Question.Task(TaskPrompt.DETAILED), greedy())
                    .getFirst();
            assertThat(together.get(q).outputIds()).as("region %d", q + 1).containsExactly(single.outputIds());
        }
        assertThat(pipeline.prefixCache().hits() - hits).isEqualTo(1 + masks.size());
    }

    private static int sentinelIndex(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == InterleavedSequence.IMAGE_SENTINEL) {
                return i;
            }
        }
        throw new AssertionError("no image sentinel");
    }
}
