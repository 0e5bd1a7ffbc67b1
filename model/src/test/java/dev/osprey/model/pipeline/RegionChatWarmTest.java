package dev.osprey.model.pipeline;

import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.greedy;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.ints;
import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.TinyBundle;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.pipeline.RegionChatGoldenTest.CaseTokens;
import dev.osprey.model.text.TaskPrompt;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@link RegionChat#warm} computes the very prefix a first question looks up: that question then hits
 * the cache, prefills only its suffix and gives the golden ids; a question racing the warm-up joins
 * its computation, and a cancelled warm-up leaves the question to compute the prefix itself.
 */
class RegionChatWarmTest {

    static final String CASE = "s1_img0";
    static final CaseTokens GOLDEN = CaseTokens.read(CASE);

    // JUnit makes an instance per test: each test has a chat and an empty cache of its own.
    final RegionChat chat = new RegionChat(TinyBundle.open(), 1, new PrefixCache(64L << 20));
    final AtomicInteger fetches = new AtomicInteger();
    final Supplier<float[]> imageTokens = () -> {
        fetches.incrementAndGet();
        return GOLDEN.imageEmbeds();
    };

    @AfterEach
    void close() {
        chat.close();
    }

    @Test
    void aTaskAndAFreeQuestionAfterAWarmUpHitTheCacheAndTheTaskGivesTheGoldenIds() {
        assertThat(chat.warm(CASE, imageTokens, Cancellation.NONE)).as("computed").isTrue();
        assertThat(chat.prefixCache().misses()).isOne();
        assertThat(chat.warm(CASE, imageTokens, Cancellation.NONE)).as("cached already").isFalse();

        long hits = chat.prefixCache().hits();
        List<Answer> answers = chat.answer(CASE, imageTokens, GOLDEN.regions(),
                chat.prompts(new Question.Task(TaskPrompt.SHORT), GOLDEN.regions().regions()), greedy());
        chat.answer(CASE, imageTokens, GOLDEN.regions(),
                chat.prompts(new Question.Prompt("Compare <region1>, <region2> and <region3>."), GOLDEN.regions().regions()), greedy());

        assertThat(chat.prefixCache().hits() - hits).as("hits").isEqualTo(2);
        assertThat(chat.prefixCache().misses()).as("misses").isOne();
        assertThat(fetches).as("image token fetches").hasValue(1);
        JsonNode runs = result(CASE).get("tasks").get("short").get("runs");
        for (Answer answer : answers) {
            assertThat(answer.usage().cachedPromptTokens()).isPositive();
            JsonNode golden = runs.get(answer.region() - 1).get("greedy");
            int reliable = Math.min(golden.get("reliable_prefix_len").asInt(), answer.outputIds().length);
            assertThat(Arrays.copyOf(answer.outputIds(), reliable)).as("region %d", answer.region())
                    .containsExactly(Arrays.copyOf(ints(golden.get("new_ids")), reliable));
        }
    }

    @Test
    void aQuestionRacingTheWarmUpJoinsItsComputation() throws Exception {
        CountDownLatch fetching = new CountDownLatch(1);
        CountDownLatch questionWaits = new CountDownLatch(1);
        Supplier<float[]> slowTokens = () -> {
            fetching.countDown();
            await(questionWaits);
            return imageTokens.get();
        };
        // Threads of their own: the common pool may have a single one on a small machine.
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            Future<Boolean> warm = threads.submit(() -> chat.warm(CASE, slowTokens, Cancellation.NONE));
            await(fetching);
            Future<List<Answer>> question = threads.submit(() -> chat.answer(CASE, imageTokens, GOLDEN.regions(),
                    chat.prompts(new Question.Task(TaskPrompt.SHORT), GOLDEN.regions().regions()), greedy()));
            // The question has joined once the cache counts it (waiting for a computation is a hit).
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (chat.prefixCache().hits() == 0 && !question.isDone() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            questionWaits.countDown();

            assertThat(warm.get(2, TimeUnit.MINUTES)).isTrue();
            assertThat(question.get(2, TimeUnit.MINUTES)).allSatisfy(answer -> assertThat(answer.usage().cachedPromptTokens()).isPositive());
        }
        assertThat(chat.prefixCache().misses()).as("the prefix computed once").isOne();
        assertThat(chat.prefixCache().hits()).as("the question joined").isOne();
        assertThat(fetches).hasValue(1);
    }

    @Test
    void aCancelledWarmUpCachesNothingAndTheNextQuestionComputesThePrefix() {
        try (Cancellation cancellation = new Cancellation()) {
            Supplier<float[]> cancellingFetch = () -> {
                cancellation.cancel();
                return imageTokens.get();
            };
            assertThat(chat.warm(CASE, cancellingFetch, cancellation)).isFalse();
        }
        assertThat(chat.prefixCache().size()).isZero();
        try (Cancellation cancelled = new Cancellation()) {
            cancelled.cancel();
            assertThat(chat.warm(CASE, imageTokens, cancelled)).as("cancelled before it starts").isFalse();
        }
        assertThat(fetches).hasValue(1);

        List<Answer> answers = chat.answer(CASE, imageTokens, GOLDEN.regions(),
                chat.prompts(new Question.Task(TaskPrompt.SHORT), GOLDEN.regions().regions()), greedy());
        assertThat(answers).allSatisfy(answer -> assertThat(answer.usage().cachedPromptTokens()).isZero());
        assertThat(chat.prefixCache().size()).isOne();
    }

    @Test
    void withoutAPrefixCacheAWarmUpDoesNothing() {
        try (RegionChat uncached = new RegionChat(TinyBundle.open(), 1, null)) {
            assertThat(uncached.warm(CASE, imageTokens, Cancellation.NONE)).isFalse();
            assertThat(uncached.decoderRuns()).isZero();
        }
        assertThat(fetches).hasValue(0);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(2, TimeUnit.MINUTES)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
