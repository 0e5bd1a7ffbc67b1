package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** Every golden task prompt (prompts.json and each case's result.json) gets the reference's exact ids. */
class PromptEncoderGoldenTest {

    private static final String MULTI_REGION_QUESTION = "What is the relationship between region1 and region2?";

    private static final OspreyTokenizer TOKENIZER = TextGolden.tokenizer();
    private static final PromptEncoder ENCODER = new PromptEncoder(TOKENIZER);

    static List<TextGolden.TaskCase> taskCases() {
        return TextGolden.taskCases();
    }

    static List<TextGolden.TaskCase> caseTasks() {
        return taskCases().stream().filter(task -> !task.source().equals("prompts.json")).toList();
    }

    @Test
    void goldenHasTheFourPromptsAndFourteenCaseTasks() {
        assertThat(taskCases()).hasSize(4 + 14);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("taskCases")
    void everyRegionOfATaskGetsTheGoldenIdsAndPrompt(TextGolden.TaskCase task) {
        int[] expected = TextGolden.ints(task.golden().path("input_ids"));
        String expectedPrompt = task.golden().path("prompt").asString();
        if (task.task().equals("multi_region")) {
            PromptIds ids = ENCODER.encode(ConversationTemplate.OSPREY_V1.render(
                    TaskPrompt.multiRegion(task.regionCount(), MULTI_REGION_QUESTION)));
            assertThat(ids.ids()).containsExactly(expected);
            assertThat(ids.prompt()).isEqualTo(expectedPrompt);
            assertThat(ids.slotRegions()).containsExactly(IntStream.range(0, task.regionCount()).toArray());
            return;
        }
        TaskPrompt taskPrompt = TaskPrompt.valueOf(task.task().toUpperCase(Locale.ROOT));
        for (int region = 0; region < task.regionCount(); region++) {
            PromptIds ids = ENCODER.task(taskPrompt, region);
            assertThat(ids.ids()).as("region %d", region).containsExactly(expected);
            assertThat(ids.prompt()).isEqualTo(expectedPrompt);
            assertThat(ids.slotRegions()).containsExactly(region);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseTasks")
    void rawTokenizerReproducesTheReferenceChunks(TextGolden.TaskCase task) {
        assertThat(task.golden().has("chunk_ids_before_bos_strip")).isTrue();
        String[] chunks = task.golden().path("prompt").asString().split("<image>", -1);
        JsonNode expected = task.golden().path("chunk_ids_before_bos_strip");
        assertThat(chunks).hasSize(expected.size());
        for (int i = 0; i < chunks.length; i++) {
            assertThat(TOKENIZER.encode(chunks[i], true)).as("chunk %d", i).containsExactly(TextGolden.ints(expected.get(i)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("taskCases")
    void referenceTokenisationOfTheGoldenPromptGivesTheGoldenIds(TextGolden.TaskCase task) {
        assertThat(ReferenceTokenization.tokenizerImageToken(TOKENIZER, task.golden().path("prompt").asString()))
                .containsExactly(TextGolden.ints(task.golden().path("input_ids")));
    }
}
