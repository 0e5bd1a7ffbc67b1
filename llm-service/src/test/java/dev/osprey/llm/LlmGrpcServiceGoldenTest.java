package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.StageTimings;
import dev.osprey.api.v1.Task;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.model.Golden;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Generate over the golden tiny bundle with the golden image and region tokens: greedy answers equal
 * the reference's, streamed pieces add up to the answers, and the image tokens are fetched from the
 * encoder only on the first question about an image.
 */
class LlmGrpcServiceGoldenTest {

    private static final int NEW_TOKENS = 16;
    private static final Map<Task, String> TASKS = Map.of(Task.TASK_SHORT_DESCRIPTION, "short",
            Task.TASK_DETAILED_DESCRIPTION, "detailed", Task.TASK_CATEGORY, "category");
    // The golden multi_region question as a free prompt (its user message without the image and overview lines).
    private static final String MULTI_REGION = "Ther are 3 part regions in the picture: region1<region1>,region2<region2>,"
            + "region3<region3>. What is the relationship between region1 and region2?";

    GoldenImage[] images = Stream.of(Golden.CASES).map(GoldenImage::read).toArray(GoldenImage[]::new);
    LlmServer server;

    @BeforeEach
    void start() {
        server = new LlmServer(1, 4, images);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyTaskStreamsTheGoldenGreedyAnswerOfEachRegionAndFetchesImageTokensOncePerImage() {
        int answers = 0;
        for (GoldenImage image : images) {
            for (Task task : new Task[] {Task.TASK_SHORT_DESCRIPTION, Task.TASK_DETAILED_DESCRIPTION, Task.TASK_CATEGORY}) {
                Streamed streamed = Streamed.collect(server.stub().generate(greedy(image).setTask(task).build()));
                assertThat(streamed.finished.keySet()).as("answer indices = region indices").containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, image.regions()).boxed().toList());
                for (int region = 0; region < image.regions(); region++) {
                    assertGolden(image.caseName() + " " + task + " region " + region, streamed, region,
                            image.greedy(TASKS.get(task), region));
                    answers++;
                }
            }
        }
        assertThat(answers).isEqualTo(24);
        assertThat(server.encoder.imageTokenCalls()).as("one GetImageTokens per image; later questions hit the prefix cache")
                .isEqualTo(images.length);
    }

    @Test
    void aFreePromptOverEveryRegionGivesTheGoldenMultiRegionAnswerAtIndexZero() {
        int checked = 0;
        for (GoldenImage image : images) {
            if (!image.result().get("tasks").has("multi_region")) {
                continue;
            }
            checked++;
            Streamed streamed = Streamed.collect(server.stub().generate(greedy(image).setPrompt(MULTI_REGION).build()));
            assertThat(streamed.finished.keySet()).containsExactly(0);
            assertGolden(image.caseName() + " multi_region", streamed, 0, image.greedy("multi_region", 0));
        }
        assertThat(checked).as("golden cases with three regions").isEqualTo(2);
    }

    @Test
    void aSecondQuestionAboutAnImageSkipsTheEncoderAndGivesTheSameAnswer() {
        GoldenImage image = images[1];
        GenerateRequest request = greedy(image).setTask(Task.TASK_DETAILED_DESCRIPTION).build();
        Streamed first = Streamed.collect(server.stub().generate(request));
        assertThat(server.encoder.imageTokenCalls()).isEqualTo(1);
        Streamed second = Streamed.collect(server.stub().generate(request));
        assertThat(server.encoder.imageTokenCalls()).as("GetImageTokens calls after the second question").isEqualTo(1);
        assertThat(server.chat.prefixCache().hits()).isEqualTo(1);
        for (int region = 0; region < image.regions(); region++) {
            assertThat(second.finished.get(region)).isEqualTo(first.finished.get(region).toBuilder()
                    .setUsage(second.finished.get(region).getUsage()).build());
            assertThat(second.text.get(region)).hasToString(first.text.get(region).toString());
        }
        StageTimings fetched = first.finished.get(0).getUsage().getTimings();
        StageTimings cached = second.finished.get(0).getUsage().getTimings();
        assertThat(fetched.getEncodeMs()).as("the first question waited for the image tokens: %s", fetched).isPositive();
        assertThat(cached.getEncodeMs()).as("the second found the prefix cached: %s", cached).isZero();
        assertThat(List.of(fetched, cached)).allSatisfy(timings -> {
            assertThat(timings.getPrefillMs()).isPositive();
            assertThat(timings.getQueueMs()).isNotNegative();
            assertThat(timings.getDecodeMs()).isNotNegative();
        });
        assertThat(server.registry.get("osprey.cache.requests").tags("result", "hit").functionCounter().count()).isEqualTo(1);
        assertThat(server.registry.get("osprey.generate.tokens").tag("phase", "cached").counter().count()).isPositive();
        assertThat(server.registry.get("osprey.generate.ttft").timer().count()).isEqualTo(2);
    }

    private static GenerateRequest.Builder greedy(GoldenImage image) {
        return GenerateRequest.newBuilder().setImageId(image.imageId()).setRegionTokens(image.regionTokens())
                .setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(NEW_TOKENS);
    }

    /** The reference's greedy run went past EOS: compare up to its EOS, and over its reliable prefix. */
    private void assertGolden(String label, Streamed streamed, int index, JsonNode greedy) {
        int[] expected = ints(greedy.get("new_ids"));
        JsonNode eos = greedy.get("eos_index");
        int length = eos == null || eos.isNull() ? NEW_TOKENS : eos.asInt() + 1;
        int[] actual = streamed.outputIds(index);
        assertThat(actual).as(label + " output length").hasSize(length);
        int compared = Math.min(greedy.get("reliable_prefix_len").asInt(), length);
        assertThat(Arrays.copyOf(actual, compared)).as(label + " greedy ids").containsExactly(Arrays.copyOf(expected, compared));
        String text = streamed.finished.get(index).getText();
        assertThat(text).as(label + " text").isEqualTo(server.chat.tokenizer().decode(actual));
        if (Arrays.equals(actual, expected)) {
            assertThat(text).as(label + " reference text").isEqualTo(greedy.get("text").asString());
        }
        assertThat(streamed.text.get(index)).as(label + " pieces joined").hasToString(text);
        assertThat(streamed.pieceIds.get(index)).as(label + " piece ids").containsExactlyElementsOf(Arrays.stream(actual).boxed().toList());
        assertThat(streamed.finished.get(index).getReason())
                .isEqualTo(length < NEW_TOKENS ? FinishReason.FINISH_REASON_STOP : FinishReason.FINISH_REASON_LENGTH);
        assertThat(streamed.finished.get(index).getUsage().getCompletionTokens()).isEqualTo(length);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
