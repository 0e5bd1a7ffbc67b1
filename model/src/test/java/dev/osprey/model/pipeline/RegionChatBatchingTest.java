package dev.osprey.model.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.TinyBundle;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.generate.DecodeLoop;
import dev.osprey.model.generate.FinishReason;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.generate.TokenListener;
import dev.osprey.model.pipeline.RegionChatGoldenTest.CaseTokens;
import dev.osprey.model.text.TaskPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching over the golden tiny bundle: questions about different images that join a
 * running batch at different steps, leave it at different steps, wait for room or are cancelled get
 * exactly the answers (ids, text, finish reason) they get when asked alone, greedy or sampled with
 * their seeds; a task's regions join together and step in one decoder run per step.
 */
class RegionChatBatchingTest {

    private static final long PATIENCE_SECONDS = 300;
    // Far more tokens than any test waits for: a sequence that keeps the batch busy until cancelled.
    private static final int LONG = 900;
    private static final SamplingSettings GREEDY = SamplingSettings.greedy();

    RegionChat alone;
    RegionChat batched;
    ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeEach
    void open() {
        alone = new RegionChat(TinyBundle.open(), 1, new PrefixCache(64L << 20));
        batched = new RegionChat(TinyBundle.open(), 1, new PrefixCache(64L << 20), null, new RegionChat.Sharing(4, 2));
    }

    @AfterEach
    void close() {
        callers.shutdownNow();
        batched.close();
        alone.close();
    }

    @Test
    void questionsAboutDifferentImagesJoiningAtDifferentStepsGetTheAnswersTheyGetAlone() throws Exception {
        List<Asked> questions = List.of(
                new Asked("s1_img0", new Question.Prompt("How does <region1> relate to <region2> and <region3>?"), GREEDY, 24),
                // Three regions: with the long one and the first question running, it waits for room in the batch of 4.
                new Asked("s1_img1", new Question.Task(TaskPrompt.SHORT), new SamplingSettings(0.8, 40, 0.95, 11), 12),
                new Asked("s1_img2", new Question.Prompt("Describe <region1> in detail."), new SamplingSettings(1.0, 0, 1.0, 5), 20),
                new Asked("s1_img3", new Question.Task(TaskPrompt.CATEGORY), GREEDY, 8));
        List<List<Answer>> expected = questions.stream().map(q -> q.ask(alone, TokenListener.NONE, Cancellation.NONE)).toList();

        Held held = hold(batched);
        // Each question starts once the one before has streamed two tokens (or ended): each joins at another step.
        List<CompletableFuture<List<Answer>>> answers = new ArrayList<>();
        CompletableFuture<?> previous = CompletableFuture.completedFuture(null);
        for (Asked question : questions) {
            Streaming streaming = new Streaming(2);
            CompletableFuture<List<Answer>> answer = previous.thenApplyAsync(
                    v -> question.ask(batched, streaming, Cancellation.NONE), callers);
            answers.add(answer);
            previous = CompletableFuture.anyOf(streaming.reached, answer);
        }
        for (int i = 0; i < questions.size(); i++) {
            assertSameAnswers(questions.get(i).toString(), answers.get(i).get(PATIENCE_SECONDS, TimeUnit.SECONDS), expected.get(i));
        }
        assertThat(held.cancel()).as("the long answer, cancelled").allSatisfy(answer -> {
            assertThat(answer.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(answer.outputIds().length).isLessThan(LONG);
        });
        DecodeLoop loop = batched.decodeLoop();
        assertThat(loop.stepRows()).as("sequences stepped against steps: a batch of more than one").isGreaterThan(loop.steps());
        assertThat(loop.running()).isZero();
    }

    @Test
    void cancellingOneQuestionEndsItAtTheNextStepAndLeavesTheOtherAnswersUnchanged() throws Exception {
        Asked first = new Asked("s1_img0", new Question.Prompt("How does <region1> relate to <region2> and <region3>?"), GREEDY, 20);
        Asked second = new Asked("s1_img1", new Question.Prompt("What are <region3>, <region1> and <region2>?"),
                new SamplingSettings(1.0, 0, 1.0, 3), 20);
        Asked cancelled = new Asked("s1_img2", new Question.Prompt("What is <region1>?"), GREEDY, 20);
        List<Answer> firstAlone = first.ask(alone, TokenListener.NONE, Cancellation.NONE);
        List<Answer> secondAlone = second.ask(alone, TokenListener.NONE, Cancellation.NONE);
        List<Answer> cancelledAlone = cancelled.ask(alone, TokenListener.NONE, Cancellation.NONE);

        Held held = hold(batched);
        Cancellation cancellation = new Cancellation();
        AtomicInteger tokens = new AtomicInteger();
        // Cancelled as its third token streams (on the loop thread, between two steps).
        TokenListener cancelAtThird = (sequence, piece, id) -> {
            if (id != TokenListener.NO_TOKEN && tokens.incrementAndGet() == 3) {
                cancellation.cancel();
            }
        };
        CompletableFuture<List<Answer>> one = CompletableFuture.supplyAsync(() -> first.ask(batched, TokenListener.NONE, Cancellation.NONE),
                callers);
        CompletableFuture<List<Answer>> two = CompletableFuture.supplyAsync(() -> second.ask(batched, TokenListener.NONE,
                Cancellation.NONE), callers);
        CompletableFuture<List<Answer>> three = CompletableFuture.supplyAsync(() -> cancelled.ask(batched, cancelAtThird, cancellation),
                callers);

        Answer cut = three.get(PATIENCE_SECONDS, TimeUnit.SECONDS).getFirst();
        cancellation.close();
        assertThat(cut.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(cut.outputIds()).as("ids of the cancelled answer: none after the step that streamed the third")
                .containsExactly(Arrays.copyOf(cancelledAlone.getFirst().outputIds(), 3));
        assertSameAnswers("first", one.get(PATIENCE_SECONDS, TimeUnit.SECONDS), firstAlone);
        assertSameAnswers("second", two.get(PATIENCE_SECONDS, TimeUnit.SECONDS), secondAlone);
        held.cancel();
    }

    @Test
    void aTasksRegionsJoinTogetherAndStepInOneDecoderRunPerStep() {
        Asked task = new Asked("s1_img0", new Question.Task(TaskPrompt.DETAILED), GREEDY, 12);
        List<Answer> expected = task.ask(alone, TokenListener.NONE, Cancellation.NONE);
        DecodeLoop loop = batched.decodeLoop();

        List<Answer> answers = task.ask(batched, TokenListener.NONE, Cancellation.NONE);

        assertSameAnswers("task", answers, expected);
        int[] tokens = answers.stream().mapToInt(a -> a.outputIds().length).toArray();
        // The first ids come from the prefill; every further id of every region from a step they share.
        assertThat(loop.steps()).as("steps").isEqualTo(Arrays.stream(tokens).max().orElseThrow() - 1);
        assertThat(loop.stepRows()).as("sequences stepped").isEqualTo(Arrays.stream(tokens).map(t -> t - 1).sum());
    }

    @Test
    void beyondTheMaxBatchAQuestionWaitsForRoomAndATaskLargerThanTheBatchDecodesOnItsOwn() throws Exception {
        Asked question = new Asked("s1_img3", new Question.Prompt("What is <region1>?"), GREEDY, 10);
        Asked task = new Asked("s1_img0", new Question.Task(TaskPrompt.SHORT), GREEDY, 6);
        List<Answer> questionAlone = question.ask(alone, TokenListener.NONE, Cancellation.NONE);
        List<Answer> taskAlone = task.ask(alone, TokenListener.NONE, Cancellation.NONE);
        assertThat(alone.decodeLoop()).as("max batch 1: no shared loop").isNull();
        try (RegionChat two = new RegionChat(TinyBundle.open(), 1, new PrefixCache(64L << 20), null, new RegionChat.Sharing(2, 2))) {
            DecodeLoop loop = two.decodeLoop();
            assertSameAnswers("three regions, batch of two", task.ask(two, TokenListener.NONE, Cancellation.NONE), taskAlone);
            assertThat(loop.steps()).as("steps of the shared batch").isZero();

            Held first = hold(two);
            Held second = hold(two);
            CompletableFuture<List<Answer>> third = CompletableFuture.supplyAsync(() -> question.ask(two, TokenListener.NONE,
                    Cancellation.NONE), callers);
            awaitUntil(() -> loop.waiting() == 1);
            assertThat(loop.running()).isEqualTo(2);
            assertThat(third).isNotDone();

            second.cancel();
            assertSameAnswers("after waiting", third.get(PATIENCE_SECONDS, TimeUnit.SECONDS), questionAlone);
            first.cancel();
            assertThat(loop.waiting()).isZero();
        }
    }

    @Test
    void aListenerThatFailsEndsOnlyItsOwnQuestion() throws Exception {
        Asked other = new Asked("s1_img1", new Question.Prompt("What are <region3>, <region1> and <region2>?"), GREEDY, 16);
        List<Answer> otherAlone = other.ask(alone, TokenListener.NONE, Cancellation.NONE);
        Held held = hold(batched);
        AtomicInteger tokens = new AtomicInteger();
        TokenListener failing = (sequence, piece, id) -> {
            if (tokens.incrementAndGet() == 3) {
                throw new IllegalStateException("the client went away");
            }
        };
        CompletableFuture<List<Answer>> failed = CompletableFuture.supplyAsync(() -> other.ask(batched, failing, Cancellation.NONE), callers);
        CompletableFuture<List<Answer>> fine = CompletableFuture.supplyAsync(() -> other.ask(batched, TokenListener.NONE, Cancellation.NONE),
                callers);

        assertThatThrownBy(() -> failed.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).hasRootCauseMessage("the client went away");
        assertSameAnswers("beside the failed one", fine.get(PATIENCE_SECONDS, TimeUnit.SECONDS), otherAlone);
        held.cancel();
    }

    @Test
    void closingTheLoopEndsWhatRunsCancelledAndRefusesNewQuestions() throws Exception {
        Held held = hold(batched);
        batched.decodeLoop().close();
        assertThat(held.answers.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).singleElement()
                .satisfies(answer -> assertThat(answer.finishReason()).isEqualTo(FinishReason.CANCELLED));
        held.cancellation.close();
        assertThatThrownBy(() -> new Asked("s1_img2", new Question.Prompt("What is <region1>?"), GREEDY, 4)
                .ask(batched, TokenListener.NONE, Cancellation.NONE)).hasMessageContaining("the decode loop is closed");
    }

    // A long sampled answer about s1_img2, streaming in the batch when this returns; cancel it when done.
    private Held hold(RegionChat chat) throws Exception {
        Cancellation cancellation = new Cancellation();
        Streaming streaming = new Streaming(2);
        Asked longOne = new Asked("s1_img2", new Question.Prompt("What is <region1>?"), new SamplingSettings(1.0, 0, 1.0, 7), LONG);
        CompletableFuture<List<Answer>> answers = CompletableFuture.supplyAsync(() -> longOne.ask(chat, streaming, cancellation), callers);
        CompletableFuture.anyOf(streaming.reached, answers).get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        assertThat(answers).as("the long answer is running").isNotDone();
        return new Held(cancellation, answers);
    }

    // Polls the loop's state (it has no events to wait on) until the condition holds, failing after the patience.
    private static void awaitUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("time waited for the condition").isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static void assertSameAnswers(String label, List<Answer> actual, List<Answer> expected) {
        assertThat(actual).as(label + ": answers").hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Answer a = actual.get(i);
            Answer e = expected.get(i);
            assertThat(a.outputIds()).as("%s answer %d ids", label, i).containsExactly(e.outputIds());
            assertThat(a.text()).as("%s answer %d text", label, i).isEqualTo(e.text());
            assertThat(a.finishReason()).as("%s answer %d finish", label, i).isEqualTo(e.finishReason());
            assertThat(a.region()).isEqualTo(e.region());
            assertThat(a.usage().completionTokens()).isEqualTo(e.usage().completionTokens());
            assertThat(a.usage().promptTokens()).isEqualTo(e.usage().promptTokens());
        }
    }

    /** A question about one golden image, with its sampling and token limit. */
    record Asked(String caseName, Question question, SamplingSettings sampling, int maxNewTokens) {

        List<Answer> ask(RegionChat chat, TokenListener listener, Cancellation cancellation) {
            CaseTokens tokens = CaseTokens.read(caseName);
            RegionChat.Prompts prompts = chat.prompts(question, tokens.regions().regions());
            return chat.answer(caseName, tokens::imageEmbeds, tokens.regions(), prompts,
                    GenerationRequest.of(sampling, maxNewTokens).withListener(listener).withCancellation(cancellation));
        }
    }

    /** A listener that completes {@code reached} once {@code count} ids have streamed. */
    static final class Streaming implements TokenListener {
        final CompletableFuture<Void> reached = new CompletableFuture<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final int count;

        Streaming(int count) {
            this.count = count;
        }

        @Override
        public void onToken(int sequence, String piece, int tokenId) {
            if (tokenId != NO_TOKEN && ids.incrementAndGet() >= count) {
                reached.complete(null);
            }
        }
    }

    /** A long answer running in the batch. */
    record Held(Cancellation cancellation, CompletableFuture<List<Answer>> answers) {

        List<Answer> cancel() throws Exception {
            cancellation.cancel();
            List<Answer> out = answers.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
            cancellation.close();
            return out;
        }
    }
}
