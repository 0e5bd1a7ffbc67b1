package dev.osprey.model.pipeline;

import static dev.osprey.model.pipeline.OspreyPipelineGoldenTest.greedy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.TinyBundle;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.generate.FinishReason;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.pipeline.RegionChatGoldenTest.CaseTokens;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.TaskPrompt;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One {@link Cancellation} stops an answer wherever it is: before the prefill (nothing runs, no image
 * tokens are fetched), as the prefill's run starts (the runtime refuses it; no prefix is cached), or
 * while the decoder runs; every answer then ends CANCELLED.
 */
class RegionChatCancellationTest {

    static final CaseTokens GOLDEN = CaseTokens.read("s1_img0");

    RegionChat cached;
    RegionChat uncached;

    @BeforeEach
    void open() {
        cached = new RegionChat(TinyBundle.open(), 1, new PrefixCache(64L << 20));
        uncached = new RegionChat(TinyBundle.open(), 1, null);
    }

    @AfterEach
    void close() {
        cached.close();
        uncached.close();
    }

    @Test
    void aCallCancelledBeforeItStartsRunsNothingFetchesNothingAndEndsCancelled() {
        Supplier<float[]> never = () -> {
            throw new AssertionError("image tokens fetched");
        };
        for (RegionChat chat : List.of(cached, uncached)) {
            RegionChat.Prompts prompts = chat.prompts(new Question.Task(TaskPrompt.SHORT), GOLDEN.regions().regions());
            try (Cancellation cancellation = new Cancellation()) {
                cancellation.cancel();
                List<Answer> answers = chat.answer("s1_img0", never, GOLDEN.regions(), prompts, greedy().withCancellation(cancellation));
                assertThat(answers).hasSize(GOLDEN.regions().regions()).allSatisfy(answer -> {
                    assertThat(answer.finishReason()).isEqualTo(FinishReason.CANCELLED);
                    assertThat(answer.outputIds()).isEmpty();
                    assertThat(answer.usage().promptTokens()).isEqualTo(prompts.length());
                });
            }
            assertThat(chat.decoderRuns()).as("decoder runs").isZero();
        }
    }

    @Test
    void aCancelAsThePrefillStartsEndsItsRunCancelledAndCachesNoPrefix() {
        RegionChat.Prompts prompts = cached.prompts(new Question.Task(TaskPrompt.SHORT), GOLDEN.regions().regions());
        List<Answer> answers;
        try (Cancellation cancellation = new Cancellation()) {
            // The fetch comes after the answer checked its cancellation and before the prefill's run.
            Supplier<float[]> cancellingFetch = () -> {
                cancellation.cancel();
                return GOLDEN.imageEmbeds();
            };
            answers = cached.answer("s1_img0", cancellingFetch, GOLDEN.regions(), prompts, greedy().withCancellation(cancellation));
        }
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(answer.outputIds()).isEmpty();
        });
        assertThat(cached.decoderRuns()).as("the prefill's run, refused by the runtime").isOne();
        assertThat(cached.prefixCache().size()).as("prefixes kept").isZero();

        List<Answer> next = cached.answer("s1_img0", GOLDEN::imageEmbeds, GOLDEN.regions(), prompts, greedy());
        assertThat(next).allSatisfy(answer -> assertThat(answer.finishReason()).isEqualTo(FinishReason.LENGTH));
        assertThat(cached.prefixCache().size()).as("the next question computes and keeps the prefix").isOne();
    }

    @Test
    void aCancelFromAnotherThreadWhileTheDecoderRunsEndsTheAnswerCancelled() throws Exception {
        RegionChat.Prompts prompts = uncached.prompts(new Question.Task(TaskPrompt.SHORT), 1);
        // Near the context limit: the answer would take far longer than the cancel needs to arrive.
        int maxNewTokens = 900;
        RegionTokens regions = GOLDEN.regions();
        RegionTokens first = new RegionTokens(regions.maskToken(0), regions.posToken(0), 1, regions.width(), new int[1][]);
        try (Cancellation cancellation = new Cancellation()) {
            CompletableFuture<Void> cancelOnceRunning = CompletableFuture.runAsync(() -> {
                while (uncached.decoderRuns() == 0) {
                    Thread.onSpinWait();
                }
                cancellation.cancel();
            });
            List<Answer> answers = uncached.answer("s1_img0", GOLDEN::imageEmbeds, first, prompts,
                    GenerationRequest.of(SamplingSettings.greedy(), maxNewTokens).withCancellation(cancellation));
            cancelOnceRunning.get(1, TimeUnit.MINUTES);
            assertThat(answers).singleElement().satisfies(answer -> {
                assertThat(answer.finishReason()).isEqualTo(FinishReason.CANCELLED);
                assertThat(answer.outputIds().length).isLessThan(maxNewTokens);
            });
        }
    }
}
