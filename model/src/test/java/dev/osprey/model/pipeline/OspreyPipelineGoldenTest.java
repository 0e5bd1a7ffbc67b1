package dev.osprey.model.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.bundle.BundleConverter;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.MaskFiles;
import dev.osprey.model.text.TaskPrompt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The whole pipeline on the fp32 bundle of the golden checkpoint against every golden case and task. */
class OspreyPipelineGoldenTest {

    private static final int NEW_TOKENS = 16;

    @TempDir
    static Path tmp;

    static OspreyPipeline pipeline;

    @BeforeAll
    static void open() {
        Path bundle = tmp.resolve("bundle");
        new BundleConverter(line -> { }).convert(Golden.binCheckpoint(), bundle, DecoderPrecision.FP32);
        pipeline = new OspreyPipeline(ModelBundle.open(bundle), 1);
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void everyCaseAndTaskGivesTheGoldenInputIdsAndGreedyIdsDecodedAsOneBatch() {
        int checked = 0;
        for (String caseName : Golden.CASES) {
            JsonNode tasks = result(caseName).get("tasks");
            List<BinaryMask> masks = masks(caseName);
            for (TaskPrompt task : TaskPrompt.values()) {
                JsonNode golden = tasks.get(task.name().toLowerCase(Locale.ROOT));
                long before = pipeline.decoderRuns();
                List<Answer> answers = pipeline.answer(image(caseName), masks, new Question.Task(task), greedy());
                assertThat(pipeline.decoderRuns() - before).as("one run per step for all regions").isLessThanOrEqualTo(NEW_TOKENS);
                assertThat(answers).hasSize(masks.size());
                for (Answer answer : answers) {
                    JsonNode run = golden.get("runs").get(answer.region() - 1);
                    String label = caseName + " " + task + " region" + answer.region();
                    assertThat(answer.inputIds()).as(label + " input_ids").containsExactly(ints(golden.get("input_ids")));
                    assertGreedy(label, answer, run.get("greedy"));
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(24);
    }

    @Test
    void aFreePromptGivesOneAnswerOverItsRegionSlots() {
        List<Answer> answers = pipeline.answer(image("s1_img0"), masks("s1_img0"),
                new Question.Prompt("How does <region2> relate to <region1> and <region3>?"), greedy());
        assertThat(answers).singleElement().satisfies(a -> {
            assertThat(a.region()).isZero();
            assertThat(a.outputIds()).hasSize(NEW_TOKENS);
            assertThat(a.text()).isEqualTo(pipeline.tokenizer().decode(a.outputIds()));
            assertThat(Arrays.stream(a.inputIds()).filter(id -> id == 32000).count()).isEqualTo(3);
        });
    }

    @Test
    void batchedRegionsEqualOneAtATime() {
        List<BinaryMask> masks = masks("s1_img1");
        List<Answer> together = pipeline.answer(image("s1_img1"), masks, new Question.Task(TaskPrompt.DETAILED), greedy());
        for (int q = 0; q < masks.size(); q++) {
            Answer single = pipeline.answer(image("s1_img1"), List.of(masks.get(q)), new Question.Task(TaskPrompt.DETAILED), greedy())
                    .getFirst();
            assertThat(together.get(q).outputIds()).as("region %d", q + 1).containsExactly(single.outputIds());
        }
    }

    @Test
    void badInputIsReportedClearly() {
        byte[] image = image("s1_img0");
        assertThatThrownBy(() -> pipeline.answer(image, List.of(), new Question.Task(TaskPrompt.SHORT), greedy()))
                .hasMessageContaining("at least one mask");
        assertThatThrownBy(() -> pipeline.answer(image, List.of(masks("s1_img0").getFirst(), masks("s1_img1").getFirst()),
                new Question.Task(TaskPrompt.SHORT), greedy())).hasMessageContaining("region 2");
        assertThatThrownBy(() -> pipeline.answer(image, masks("s1_img0"), new Question.Task(TaskPrompt.SHORT),
                GenerationRequest.of(SamplingSettings.greedy(), 2000))).hasMessageContaining("context limit of 2048 by");
    }

    static GenerationRequest greedy() {
        return GenerationRequest.of(SamplingSettings.greedy(), NEW_TOKENS);
    }

    /** Golden greedy ran past EOS: compare up to its EOS, and over its reliable prefix. */
    static void assertGreedy(String label, Answer answer, JsonNode greedy) {
        int[] expected = ints(greedy.get("new_ids"));
        int reliable = greedy.get("reliable_prefix_len").asInt();
        JsonNode eos = greedy.get("eos_index");
        int length = eos == null || eos.isNull() ? NEW_TOKENS : eos.asInt() + 1;
        assertThat(answer.outputIds()).as(label + " output length").hasSize(length);
        int compared = Math.min(reliable, length);
        assertThat(Arrays.copyOf(answer.outputIds(), compared)).as(label + " greedy ids").containsExactly(Arrays.copyOf(expected, compared));
        assertThat(answer.text()).as(label + " text").isEqualTo(pipeline.tokenizer().decode(answer.outputIds()));
    }

    static byte[] image(String caseName) {
        try {
            return Files.readAllBytes(Golden.file("inputs/images/" + caseName + ".png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<BinaryMask> masks(String caseName) {
        List<Path> files = new ArrayList<>();
        for (int q = 0; Files.exists(Golden.dir().resolve("inputs/masks/" + caseName + "_m" + q + ".png")); q++) {
            files.add(Golden.file("inputs/masks/" + caseName + "_m" + q + ".png"));
        }
        return MaskFiles.readAll(files);
    }

    static JsonNode result(String caseName) {
        try {
            return JsonMapper.builder().build().readTree(Files.readString(Golden.file("reference/" + caseName + "/result.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
