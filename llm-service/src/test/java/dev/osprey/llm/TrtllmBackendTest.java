package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.llm.trtllm.TrtllmChat;
import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.pipeline.Question;
import dev.osprey.model.text.SpecialIds;
import dev.osprey.model.trtllm.TrtllmContract;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * llm-service with the {@code triton-trtllm} backend against {@link OnnxTrtllmServer} (the
 * {@code tensorrt_llm} contract over our own ONNX decoder): every golden question gets exactly the
 * embedded backend's greedy answer, KV reuse is keyed so that an image's prefix is shared by its
 * questions and never by another image's, a client cancel or a passed deadline ends the request on the server, and a
 * server that is not there is named in the error.
 */
class TrtllmBackendTest {

    private static final int NEW_TOKENS = 16;

    final GoldenImage[] images = Stream.of(Golden.CASES).map(GoldenImage::read).toArray(GoldenImage[]::new);
    final ModelBundle bundle = TinyBundle.open();
    OnnxTrtllmServer triton;
    LlmServer embedded;
    LlmServer remote;

    @AfterEach
    void stop() {
        if (remote != null) {
            remote.close();
        }
        if (embedded != null) {
            embedded.close();
        }
        if (triton != null) {
            triton.close();
        }
    }

    private void start(String tableDatatype) {
        triton = new OnnxTrtllmServer(bundle, tableDatatype);
        remote = new LlmServer(new TrtllmChat(bundle, new TrtllmChat.Triton(triton.address(), TrtllmContract.MODEL_NAME,
                Duration.ofSeconds(10))), 4, 4, 0, images);
    }

    @Test
    void everyGoldenTaskAndPromptGetsTheEmbeddedBackendsGreedyAnswer() {
        start("FP32");
        embedded = new LlmServer(1, 4, images);
        int answers = 0;
        for (GoldenImage image : images) {
            for (Task task : new Task[] {Task.TASK_SHORT_DESCRIPTION, Task.TASK_DETAILED_DESCRIPTION, Task.TASK_CATEGORY}) {
                GenerateRequest request = greedy(image).setTask(task).build();
                Streamed expected = Streamed.collect(embedded.stub().generate(request));
                Streamed actual = Streamed.collect(remote.stub().generate(request));
                for (int region = 0; region < image.regions(); region++) {
                    String label = image.caseName() + " " + task + " region " + region;
                    assertThat(actual.outputIds(region)).as(label + " ids").containsExactly(expected.outputIds(region));
                    assertThat(actual.finished.get(region).getText()).as(label + " text").isEqualTo(expected.finished.get(region).getText());
                    assertThat(actual.finished.get(region).getReason()).as(label).isEqualTo(expected.finished.get(region).getReason());
                    assertThat(actual.text.get(region)).as(label + " pieces").hasToString(expected.text.get(region).toString());
                    assertThat(actual.pieceIds.get(region)).as(label + " piece ids").isEqualTo(expected.pieceIds.get(region));
                    answers++;
                }
            }
        }
        assertThat(answers).isEqualTo(24);
    }

    @Test
    void kvReuseSharesAnImagesPrefixAcrossQuestionsAndNeverAcrossImages() {
        start("FP16");
        GoldenImage first = images[0];
        GoldenImage second = images[1];
        Streamed.collect(remote.stub().generate(greedy(first).setPrompt("What is " + everyRegion(first) + "?").build()));
        Streamed.collect(remote.stub().generate(greedy(first).setPrompt("Describe " + everyRegion(first) + " in detail.").build()));
        Streamed.collect(remote.stub().generate(greedy(second).setPrompt("What is " + everyRegion(second) + "?").build()));
        int imageEnd = imageEnd();
        assertThat(triton.reusedPositions.get(0)).as("the first question finds nothing cached").isZero();
        assertThat(triton.reusedPositions.get(1)).as("a second question about the image reuses its prefix through the image tokens")
                .isGreaterThanOrEqualTo(imageEnd / OnnxTrtllmServer.TOKENS_PER_BLOCK * OnnxTrtllmServer.TOKENS_PER_BLOCK);
        assertThat(triton.reusedPositions.get(2)).as("another image reuses at most the text before the image tokens")
                .isLessThan(imageEnd - remote.model.imageTokens() + OnnxTrtllmServer.TOKENS_PER_BLOCK);
    }

    @Test
    void aCancelledCallEndsItsRequestOnTriton() throws Exception {
        start("FP32");
        triton.delayMillis = 100;
        Context.CancellableContext call = Context.current().withCancellation();
        Iterator<AnswerEvent> events = call.call(() -> remote.stub().generate(greedy(images[0]).setPrompt("What is " + everyRegion(images[0]) + "?")
                .setMaxNewTokens(64).build()));
        events.next();
        call.cancel(null);
        await().atMost(10, TimeUnit.SECONDS).until(() -> triton.cancelledRequests.get() == 1);
    }

    @Test
    void aCallsDeadlineEndsItsRequestOnTriton() {
        start("FP32");
        triton.delayMillis = 200;
        // 64 ids at 200 ms each take 13 s; the 3 s deadline passes mid-stream, wherever the machine is.
        Iterator<AnswerEvent> events = remote.stub().withDeadlineAfter(3, TimeUnit.SECONDS).generate(greedy(images[0])
                .setPrompt("What is " + everyRegion(images[0]) + "?").setMaxNewTokens(64).build());
        assertThatThrownBy(() -> events.forEachRemaining(event -> { }))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                        .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        await().atMost(10, TimeUnit.SECONDS).until(() -> triton.cancelledRequests.get() == 1);
    }

    @Test
    void anUnreachableTritonFailsUnavailableNamingItsAddressAndModel() throws Exception {
        String address;
        try (ServerSocket socket = new ServerSocket(0)) {
            address = "127.0.0.1:" + socket.getLocalPort();
        }
        remote = new LlmServer(new TrtllmChat(bundle, new TrtllmChat.Triton(address, TrtllmContract.MODEL_NAME, Duration.ofSeconds(5))),
                1, 4, 0, images);
        assertThatThrownBy(() -> Streamed.collect(remote.stub().generate(greedy(images[0]).setTask(Task.TASK_CATEGORY).build())))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains(address, TrtllmContract.MODEL_NAME);
                });
    }

    // Positions up to the end of the image tokens in the free prompt: the text before the sentinel, then the image.
    private int imageEnd() {
        int[] ids = remote.model.prompts(new Question.Prompt(List.of(), "What is <region1>?"), 1)
                .ids().getFirst().ids();
        int sentinel = 0;
        while (ids[sentinel] != SpecialIds.IMAGE_SENTINEL) {
            sentinel++;
        }
        return sentinel + remote.model.imageTokens();
    }

    // A free prompt must refer to every region it is given.
    private static String everyRegion(GoldenImage image) {
        return IntStream.rangeClosed(1, image.regions()).mapToObj(r -> "<region" + r + ">").collect(Collectors.joining(" and "));
    }

    private static GenerateRequest.Builder greedy(GoldenImage image) {
        return GenerateRequest.newBuilder().setImageId(image.imageId()).setRegionTokens(image.regionTokens())
                .setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(NEW_TOKENS);
    }
}
