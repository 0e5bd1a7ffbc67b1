package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.model.Golden;
import io.grpc.Context;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Concurrent Generate calls about different images decode together in the shared batch and get the
 * answers they get when asked one at a time (greedy and seeded, a task's regions among them), and
 * the batch's meters show that steps carried more than one sequence.
 */
class LlmGrpcServiceBatchingTest {

    private static final long PATIENCE_SECONDS = 300;
    // Far more tokens than the test waits for: a call that keeps the batch busy until it is cancelled.
    private static final int LONG = 900;

    GoldenImage[] images = Stream.of(Golden.CASES).map(GoldenImage::read).toArray(GoldenImage[]::new);
    ExecutorService clients = Executors.newCachedThreadPool();
    LlmServer server;

    @BeforeEach
    void start() {
        // Room for the long call and the four questions; their six sequences fit the batch of eight.
        server = new LlmServer(5, 4, 16, 8, images);
    }

    @AfterEach
    void stop() {
        clients.shutdownNow();
        server.close();
    }

    @Test
    void concurrentCallsAboutDifferentImagesShareTheBatchAndGetTheAnswersTheyGetOneAtATime() throws Exception {
        List<GenerateRequest> requests = List.of(
                request(images[0], Sampling.newBuilder().setGreedy(true), 12).setTask(Task.TASK_SHORT_DESCRIPTION).build(),
                request(images[1], Sampling.newBuilder().setTemperature(0.7f).setSeed(9), 16)
                        .setPrompt("What are <region3>, <region1> and <region2>?").build(),
                request(images[2], Sampling.newBuilder().setGreedy(true), 20).setPrompt("What is <region1>?").build(),
                request(images[3], Sampling.newBuilder().setTemperature(1).setTopK(5).setSeed(4), 10).setTask(Task.TASK_CATEGORY).build());
        List<Streamed> oneAtATime = requests.stream().map(r -> Streamed.collect(server.stub().generate(r))).toList();
        double steps = meter("osprey.generate.batch.steps");
        double rows = meter("osprey.generate.batch.rows");

        Context.CancellableContext longCall = Context.current().withCancellation();
        Iterator<AnswerEvent> running = longCall.call(() -> server.stub().generate(request(images[2],
                Sampling.newBuilder().setTemperature(1).setTopK(0).setSeed(1), LONG).setPrompt("What is <region1>?").build()));
        // Its second piece comes from the batch: the other calls join a running batch.
        assertThat(running.next().hasPiece()).isTrue();
        assertThat(running.next().hasPiece()).isTrue();
        List<CompletableFuture<Streamed>> together = new ArrayList<>();
        for (GenerateRequest r : requests) {
            together.add(CompletableFuture.supplyAsync(() -> Streamed.collect(server.stub().generate(r)), clients));
        }
        for (int i = 0; i < requests.size(); i++) {
            assertSameAnswers("call " + i, together.get(i).get(PATIENCE_SECONDS, TimeUnit.SECONDS), oneAtATime.get(i));
        }
        longCall.cancel(null);

        assertThat(meter("osprey.generate.batch.rows") - rows).as("sequences stepped")
                .isGreaterThan(meter("osprey.generate.batch.steps") - steps);
        assertThat(server.registry.get("osprey.queue.depth").tag("queue", "batch").gauge().value()).isZero();
    }

    private double meter(String name) {
        return server.registry.get(name).functionCounter().count();
    }

    private static GenerateRequest.Builder request(GoldenImage image, Sampling.Builder sampling, int maxNewTokens) {
        return GenerateRequest.newBuilder().setImageId(image.imageId()).setRegionTokens(image.regionTokens()).setSampling(sampling)
                .setMaxNewTokens(maxNewTokens);
    }

    private static void assertSameAnswers(String label, Streamed actual, Streamed expected) {
        assertThat(actual.finished.keySet()).as(label + " answer indices").isEqualTo(expected.finished.keySet());
        for (int index : expected.finished.keySet()) {
            assertThat(actual.finished.get(index)).as("%s answer %d", label, index)
                    .isEqualTo(expected.finished.get(index).toBuilder().setUsage(actual.finished.get(index).getUsage()).build());
            assertThat(actual.finished.get(index).getUsage().getCompletionTokens())
                    .isEqualTo(expected.finished.get(index).getUsage().getCompletionTokens());
            assertThat(actual.text.get(index)).as("%s answer %d pieces", label, index).hasToString(expected.text.get(index).toString());
            assertThat(actual.pieceIds.get(index)).isEqualTo(expected.pieceIds.get(index));
        }
    }
}
