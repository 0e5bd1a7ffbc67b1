package dev.osprey.model.pipeline;

import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.greedy;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.image;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.ints;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.TaskPrompt;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The language half alone, fed the golden image and region tokens: golden greedy ids, and the image
 * tokens asked for only when the prefix cache misses.
 */
class RegionChatGoldenTest {

    RegionChat chat;

    @BeforeEach
    void open() {
        chat = new RegionChat(TinyBundle.open(), 1, new PrefixCache(64L << 20));
    }

    @AfterEach
    void close() {
        chat.close();
    }

    @Test
    void imageTokensAreFetchedOnlyOnAPrefixMissAndEveryTaskGivesTheGoldenIds() {
        for (String caseName : Golden.CASES) {
            CaseTokens golden = CaseTokens.read(caseName);
            AtomicInteger fetches = new AtomicInteger();
            Supplier<float[]> imageTokens = () -> {
                fetches.incrementAndGet();
                return golden.imageEmbeds();
            };
            String imageId = ImageId.of(image(caseName));
            for (TaskPrompt task : TaskPrompt.values()) {
                RegionChat.Prompts prompts = chat.prompts(new Question.Task(task), golden.regions().regions());
                List<Answer> answers = chat.answer(imageId, imageTokens, golden.regions(), prompts, greedy());
                JsonNode runs = result(caseName).get("tasks").get(task.name().toLowerCase(Locale.ROOT)).get("runs");
                for (Answer answer : answers) {
                    JsonNode greedy = runs.get(answer.region() - 1).get("greedy");
                    int reliable = Math.min(greedy.get("reliable_prefix_len").asInt(), answer.outputIds().length);
                    assertThat(Arrays.copyOf(answer.outputIds(), reliable)).as("%s %s region %d", caseName, task, answer.region())
                            .containsExactly(Arrays.copyOf(ints(greedy.get("new_ids")), reliable));
                }
            }
            assertThat(fetches).as(caseName + ": one fetch for three questions").hasValue(1);
        }
        assertThat(chat.prefixCache().misses()).isEqualTo(Golden.CASES.length);
    }

    @Test
    void aForgottenImageIsFetchedAgainAndOtherImagesKeepTheirPrefixes() {
        CaseTokens one = CaseTokens.read("s1_img2");
        CaseTokens other = CaseTokens.read("s1_img3");
        AtomicInteger fetches = new AtomicInteger();
        RegionChat.Prompts prompts = chat.prompts(new Question.Task(TaskPrompt.SHORT), 1);
        Runnable askBoth = () -> {
            for (CaseTokens image : List.of(one, other)) {
                chat.answer(image == one ? "one" : "other", () -> {
                    fetches.incrementAndGet();
                    return image.imageEmbeds();
                }, image.regions(), chat.prompts(new Question.Task(TaskPrompt.SHORT), image.regions().regions()), greedy());
            }
        };
        askBoth.run();
        assertThat(fetches).hasValue(2);
        assertThat(chat.forget("one")).isOne();
        assertThat(chat.forget("one")).isZero();
        askBoth.run();
        assertThat(fetches).as("only the forgotten image is fetched again").hasValue(3);
        assertThat(prompts.regions()).isOne();
    }

    @Test
    void withoutAPrefixCacheTheImageTokensAreFetchedForEveryQuestion() {
        CaseTokens golden = CaseTokens.read("s1_img2");
        AtomicInteger fetches = new AtomicInteger();
        try (RegionChat uncached = new RegionChat(TinyBundle.open(), 1, null)) {
            RegionChat.Prompts prompts = uncached.prompts(new Question.Task(TaskPrompt.SHORT), golden.regions().regions());
            for (int i = 0; i < 2; i++) {
                uncached.answer("s1_img2", () -> {
                    fetches.incrementAndGet();
                    return golden.imageEmbeds();
                }, golden.regions(), prompts, greedy());
            }
        }
        assertThat(fetches).hasValue(2);
    }

    @Test
    void regionsThatDoNotMatchThePromptsOrTheModelAreRefusedBeforeFetching() {
        CaseTokens golden = CaseTokens.read("s1_img0");
        Supplier<float[]> never = () -> {
            throw new AssertionError("image tokens fetched");
        };
        RegionChat.Prompts twoRegions = chat.prompts(new Question.Prompt("<region1> or <region2>?"), 2);
        assertThatThrownBy(() -> chat.answer("x", never, golden.regions(), twoRegions, greedy()))
                .hasMessageContaining("the prompts refer to 2 region(s) but 3 region token pair(s) were given");
        RegionTokens narrow = new RegionTokens(new float[2], new float[2], 1, 2, new int[1][]);
        RegionChat.Prompts oneRegion = chat.prompts(new Question.Task(TaskPrompt.SHORT), 1);
        assertThatThrownBy(() -> chat.answer("x", never, narrow, oneRegion, greedy()))
                .hasMessageContaining("region tokens are 2 wide, the model's hidden size is 64");
        assertThatThrownBy(() -> chat.requireContext(oneRegion, 2000)).hasMessageContaining("exceeds the context limit of 2048 by");
        assertThatThrownBy(() -> chat.answer("x", () -> new float[7], golden.regions(),
                chat.prompts(new Question.Task(TaskPrompt.SHORT), 3), greedy()))
                .hasMessageContaining("expected 1024 x 64 image token values, got 7");
    }

    /** The golden image tokens and region tokens of one case. */
    record CaseTokens(float[] imageEmbeds, RegionTokens regions) {

        static CaseTokens read(String caseName) {
            try (SafetensorsFile file = Golden.tensors(caseName)) {
                long[] shape = file.get("mask_tokens").shape();
                int regions = Math.toIntExact(shape[0]);
                return new CaseTokens(file.floats("image_embeds"), new RegionTokens(file.floats("mask_tokens"), file.floats("pos_tokens"),
                        regions, Math.toIntExact(shape[1]), new int[regions][]));
            }
        }
    }
}
