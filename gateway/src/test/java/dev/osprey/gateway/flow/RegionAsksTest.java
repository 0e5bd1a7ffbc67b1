package dev.osprey.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.Task;
import dev.osprey.api.v1.Turn;
import dev.osprey.api.v1.UploadImageResponse;
import dev.osprey.api.v1.Usage;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * The gateway's request flow over in-process backends: uploads go to the image's owner encoder, a
 * delete forgets the derived copies before the bytes, a question about an image that only a former
 * owner holds moves it over, every call carries the deadline of its flow, a client that leaves stops
 * the generation, and usage times are the gateway's own.
 */
class RegionAsksTest {

    /** A question's deadline and an upload's, far apart so that a call's deadline tells which one it carries. */
    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final Duration UPLOAD_DEADLINE = Duration.ofMinutes(7);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Tenant TENANT = new Tenant("acme");
    private static final ByteString IMAGE = ByteString.copyFromUtf8("an image");
    private static final String PUBLIC_ID = ImageId.of(IMAGE.asReadOnlyByteBuffer());
    private static final String IMAGE_ID = TENANT.internalId(PUBLIC_ID);

    private final StandInBackends standIns = new StandInBackends(3);
    private final RegionAsks asks = asks(DEADLINE);

    /** When the test saw the first piece of an answer. */
    private long firstPieceSeen;

    @AfterEach
    void stop() throws InterruptedException {
        standIns.close();
    }

    @Test
    void anUploadIsEncodedOnTheImagesOwnerUnderTheUploadDeadlineThenWarmedOnItsLlmNamingThatEncoder() {
        StepVerifier.create(asks.upload(TENANT, IMAGE)).assertNext(uploaded -> {
            assertThat(uploaded.getImageId()).as("the public id: the bytes' digest").isEqualTo(PUBLIC_ID);
            assertThat(uploaded.getWidth()).isEqualTo(4);
            assertThat(uploaded.getHeight()).isEqualTo(3);
            assertThat(uploaded.getWarming()).isTrue();
        }).verifyComplete();

        assertThat(standIns.holds(owner(), IMAGE_ID)).as("kept by its owner, under the tenant's id").isTrue();
        List<StandInBackends.Call> calls = standIns.calls();
        assertThat(calls).extracting(call -> call.replica() + " " + call.method())
                .containsExactly(owner() + " Encode", StandInBackends.LLM + " Warm");
        assertCarries(calls.getFirst().deadline(), UPLOAD_DEADLINE);
        assertThat(calls.getLast().deadline().timeRemaining(TimeUnit.SECONDS)).as("a warm-up's short deadline").isLessThanOrEqualTo(5);
        assertThat(standIns.warmed()).singleElement().satisfies(warm -> {
            assertThat(warm.getImageId()).as("the tenant's id").isEqualTo(IMAGE_ID);
            assertThat(warm.getEncoderAddress()).isEqualTo(owner());
        });
    }

    @Test
    void anUploadAskedToPrepareSegmentationStartsTheSamEmbeddingOnTheImagesOwnerWithoutWaitingForIt() {
        ByteString other = ByteString.copyFromUtf8("another image");
        String otherId = TENANT.internalId(ImageId.of(other.asReadOnlyByteBuffer()));
        StepVerifier.create(asks.upload(TENANT, IMAGE)).assertNext(uploaded -> assertThat(uploaded.getPreparingSegmentation()).isFalse())
                .verifyComplete();
        StepVerifier.create(asks.upload(TENANT, other, true)).assertNext(uploaded -> {
            assertThat(uploaded.getWarming()).isTrue();
            assertThat(uploaded.getPreparingSegmentation()).isTrue();
        }).verifyComplete();

        await().atMost(Duration.ofSeconds(30)).until(() -> !standIns.prepared().isEmpty());
        assertThat(standIns.prepared()).as("only the upload that asked").singleElement().satisfies(prepared -> {
            assertThat(prepared.replica()).isEqualTo(standIns.owner(otherId));
            assertThat(prepared.imageId()).as("the tenant's id").isEqualTo(otherId);
            assertCarries(prepared.deadline(), UPLOAD_DEADLINE);
        });
    }

    @Test
    void withFourEmbeddingsUnderWayAnUploadAnswersWithoutStartingAFifth() {
        standIns.holdPrepares();
        for (int i = 0; i < 4; i++) {
            assertThat(asks.upload(TENANT, ByteString.copyFromUtf8("image " + i), true).block(PATIENCE).getPreparingSegmentation()).isTrue();
        }
        UploadImageResponse fifth = asks.upload(TENANT, ByteString.copyFromUtf8("image 4"), true).block(PATIENCE);
        assertThat(fifth.getPreparingSegmentation()).as("none started beyond the bound").isFalse();
        assertThat(fifth.getImageId()).as("the upload itself is done").isNotEmpty();
        await().atMost(PATIENCE).until(() -> standIns.prepared().size() == 4);

        standIns.releasePrepares();
        await().atMost(PATIENCE).until(() -> asks.upload(TENANT, ByteString.copyFromUtf8("image 5"), true).block(PATIENCE)
                .getPreparingSegmentation());
    }

    @Test
    void anUploadAskedToPrepareSegmentationSucceedsWhereTheEncoderHasNoSegmentAnything() {
        standIns.withoutSam();
        StepVerifier.create(asks.upload(TENANT, IMAGE, true)).assertNext(uploaded -> assertThat(uploaded.getImageId()).isEqualTo(PUBLIC_ID))
                .verifyComplete();
        await().atMost(Duration.ofSeconds(30)).until(() -> !standIns.prepared().isEmpty());
        assertThat(standIns.holds(owner(), IMAGE_ID)).isTrue();
    }

    @Test
    void aRefusedWarmUpStillUploadsAndSaysItIsNotWarming() {
        standIns.refuse(StandInBackends.LLM, "Warm");
        StepVerifier.create(asks.upload(TENANT, IMAGE)).assertNext(uploaded -> {
            assertThat(uploaded.getImageId()).isEqualTo(PUBLIC_ID);
            assertThat(uploaded.getWarming()).isFalse();
        }).verifyComplete();
        assertThat(standIns.holds(owner(), IMAGE_ID)).isTrue();
    }

    @Test
    void withWarmUpsOffAnUploadAsksNoLlmAndSaysItIsNotWarming() {
        StepVerifier.create(asks(DEADLINE, false).upload(TENANT, IMAGE))
                .assertNext(uploaded -> assertThat(uploaded.getWarming()).isFalse()).verifyComplete();
        assertThat(standIns.calls()).extracting(StandInBackends.Call::method).containsExactly("Encode");
    }

    @Test
    void aQuestionThatCarriesTheImageBytesStartsNoWarmUp() {
        StepVerifier.create(asks.ask(TENANT, AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageBytes(IMAGE))
                .setPrompt("what is this?").build())).expectNextCount(2).verifyComplete();
        assertThat(standIns.calls()).extracting(StandInBackends.Call::method).containsExactly("Encode", "Generate");
    }

    @Test
    void anEmptyOrOversizedImageIsRefusedBeforeAnyBackendWorks() {
        StepVerifier.create(asks.upload(TENANT, ByteString.EMPTY)).verifyErrorSatisfies(e -> assertBadInput(e, "image is empty"));
        StepVerifier.create(asks.upload(TENANT, ByteString.copyFrom(new byte[1025])))
                .verifyErrorSatisfies(e -> assertBadInput(e, "image: 1025 bytes, the limit is 1024 (osprey.gateway.max-image-size)"));
        assertThat(standIns.calls()).isEmpty();
    }

    @Test
    void aDeleteForgetsTheDerivedCopiesFirstThenTheBytesOnEveryEncoderOwnerFirst() {
        String former = formerOwner();
        standIns.hold(owner(), IMAGE_ID, IMAGE);
        standIns.hold(former, IMAGE_ID, IMAGE);

        StepVerifier.create(asks.delete(TENANT, PUBLIC_ID)).expectNext(true).verifyComplete();

        List<StandInBackends.Call> calls = standIns.calls();
        assertThat(calls.subList(0, 2)).extracting(StandInBackends.Call::replica)
                .containsExactlyInAnyOrder(StandInBackends.EXTRACTOR, StandInBackends.LLM);
        assertThat(calls.subList(2, calls.size())).extracting(StandInBackends.Call::replica)
                .containsExactlyElementsOf(ownerFirst());
        assertThat(calls).allSatisfy(call -> {
            assertThat(call.method()).isEqualTo("Forget");
            assertCarries(call.deadline(), UPLOAD_DEADLINE);
        });
        assertThat(standIns.encoders()).noneMatch(encoder -> standIns.holds(encoder, IMAGE_ID));
    }

    @Test
    void aDeleteThatFailsOnTheDerivedCopiesLeavesTheBytesForARetry() {
        standIns.hold(owner(), IMAGE_ID, IMAGE);
        standIns.refuse(StandInBackends.EXTRACTOR, "Forget");

        StepVerifier.create(asks.delete(TENANT, PUBLIC_ID)).verifyErrorSatisfies(e -> assertThat(e)
                .isInstanceOfSatisfying(ServiceException.class, failure -> assertThat(failure.reason()).isEqualTo(ErrorReason.RESOURCE_EXHAUSTED)));

        assertThat(standIns.calls()).noneMatch(call -> call.replica().startsWith("encoder-"));
        assertThat(standIns.holds(owner(), IMAGE_ID)).isTrue();
    }

    @Test
    void deletingAnImageNoEncoderHoldsAsksEveryEncoderAndAnswersFalse() {
        StepVerifier.create(asks.delete(TENANT, PUBLIC_ID)).expectNext(false).verifyComplete();

        assertThat(standIns.calls()).filteredOn(call -> call.replica().startsWith("encoder-")).extracting(StandInBackends.Call::replica)
                .containsExactlyElementsOf(ownerFirst());
    }

    @Test
    void aQuestionAboutAnImageOnlyAFormerOwnerHoldsMovesItToTheOwnerAndIsAnswered() {
        standIns.hold(formerOwner(), IMAGE_ID, IMAGE);

        StepVerifier.create(asks.ask(TENANT, prompt("what is this?"))).expectNext(StandInBackends.piece(0, "region 0"))
                .assertNext(event -> assertThat(event.getFinished().getText()).isEqualTo("region 0")).verifyComplete();

        assertThat(standIns.holds(owner(), IMAGE_ID)).isTrue();
        List<StandInBackends.Call> calls = standIns.calls();
        assertThat(calls.getFirst().method()).as("the question first, which finds the owner without the image").isEqualTo("Generate");
        assertThat(calls).filteredOn(call -> call.method().equals("Encode")).singleElement()
                .satisfies(encode -> assertThat(encode.replica()).isEqualTo(owner()));
        assertThat(calls.getLast().method()).as("the question again, once the owner has it").isEqualTo("Generate");
        assertThat(calls).allSatisfy(call -> assertCarries(call.deadline(), DEADLINE));
    }

    @Test
    void aTakeOverPassesAnEncoderThatFailsAndAsksTheNext() {
        List<String> others = standIns.encoders().stream().filter(encoder -> !encoder.equals(owner())).toList();
        standIns.refuse(others.get(0), "GetImage");
        standIns.hold(others.get(1), IMAGE_ID, IMAGE);

        StepVerifier.create(asks.ask(TENANT, prompt("what is this?")).filter(AnswerEvent::hasFinished)).expectNextCount(1).verifyComplete();

        assertThat(standIns.calls()).filteredOn(call -> call.method().equals("GetImage")).extracting(StandInBackends.Call::replica)
                .containsExactlyElementsOf(others);
        assertThat(standIns.holds(owner(), IMAGE_ID)).isTrue();
    }

    @Test
    void aQuestionAboutAnImageNoEncoderHoldsIsNotFoundByTheCallersOwnId() {
        StepVerifier.create(asks.ask(TENANT, prompt("what is this?"))).verifyErrorSatisfies(e -> assertThat(e)
                .isInstanceOfSatisfying(OspreyException.class, notFound -> {
                    assertThat(notFound.reason()).isEqualTo(Reason.NOT_FOUND);
                    assertThat(notFound.getMessage()).isEqualTo("image " + PUBLIC_ID + " is not known (expired, deleted or never uploaded):"
                            + " upload the image again");
                }));
        assertThat(standIns.calls()).noneMatch(call -> call.method().equals("Encode"));
    }

    @Test
    void regionsAreExtractedFromTheOwnersFeaturesAndTheirTokensAskedAboutUnderTheQuestionsDeadline() {
        standIns.hold(owner(), IMAGE_ID, IMAGE);
        BlockingQueue<GenerateRequest> generations = new LinkedBlockingQueue<>();
        standIns.generation((request, responses) -> {
            generations.add(request);
            responses.onNext(StandInBackends.finished(0, "a cat"));
            responses.onNext(StandInBackends.finished(1, "a dog"));
            responses.onCompleted();
        });
        AskRequest twoRegions = AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageId(PUBLIC_ID)).setTask(Task.TASK_SHORT_DESCRIPTION)
                .addRegions(box(1)).addRegions(box(2)).setMaxNewTokens(12).build();

        StepVerifier.create(asks.ask(TENANT, twoRegions).map(event -> event.getFinished().getText())).expectNext("a cat", "a dog")
                .verifyComplete();

        GenerateRequest generate = generations.remove();
        assertThat(generate.getImageId()).isEqualTo(IMAGE_ID);
        assertThat(generate.getEncoderAddress()).as("the image's owner, where the llm-service fetches its tokens").isEqualTo(owner());
        assertThat(generate.getRegionTokens().getMaskTokens().getShapeList()).as("the extractor's tokens").containsExactly(2L, 2L);
        assertThat(generate.getTask()).isEqualTo(Task.TASK_SHORT_DESCRIPTION);
        assertThat(generate.getMaxNewTokens()).isEqualTo(12);
        assertThat(standIns.calls()).extracting(StandInBackends.Call::method).containsExactly("Extract", "Generate");
        assertThat(standIns.calls()).allSatisfy(call -> assertCarries(call.deadline(), DEADLINE));
    }

    @Test
    void usageTimesAreMeasuredAtTheGatewayFromArrivalForEachAnswer() {
        standIns.hold(owner(), IMAGE_ID, IMAGE);
        CountDownLatch finish = new CountDownLatch(1);
        standIns.generation((request, responses) -> {
            responses.onNext(StandInBackends.piece(0, "Wh"));
            assertThat(finish.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the test lets the answers finish").isTrue();
            responses.onNext(StandInBackends.finished(0, "Whole"));
            // An answer that ends without a piece (an empty one): its first token is its end.
            responses.onNext(StandInBackends.finished(1, ""));
            responses.onCompleted();
        });

        long asked = System.nanoTime();
        StepVerifier.create(asks.ask(TENANT, prompt("what is this?")))
                .consumeNextWith(piece -> firstPieceSeen = System.nanoTime())
                .then(finish::countDown)
                .consumeNextWith(end -> {
                    Usage whole = end.getFinished().getUsage();
                    assertThat(whole.getTimeToFirstTokenMs()).as("replaced: from arrival to the first piece")
                            .isBetween(0.0, millis(firstPieceSeen - asked));
                    assertThat(whole.getTotalMs()).as("from arrival to the end, which came after the first piece")
                            .isBetween(whole.getTimeToFirstTokenMs(), millis(System.nanoTime() - asked));
                    assertThat(whole.getPromptTokens()).as("the counts are the llm-service's").isEqualTo(11);
                })
                .consumeNextWith(end -> {
                    Usage empty = end.getFinished().getUsage();
                    assertThat(empty.getTimeToFirstTokenMs()).isEqualTo(empty.getTotalMs()).isLessThanOrEqualTo(millis(System.nanoTime() - asked));
                })
                .expectComplete().verify(PATIENCE);
    }

    @Test
    void stageTimingsAreTheLlmServicesWithTheGatewaysEncodeAndExtract() {
        dev.osprey.api.v1.StageTimings reported = dev.osprey.api.v1.StageTimings.newBuilder().setQueueMs(3).setEncodeMs(2)
                .setPrefillMs(40).setDecodeMs(500).build();
        standIns.generation((request, responses) -> {
            AnswerEvent end = StandInBackends.finished(0, "a cat");
            responses.onNext(end.toBuilder().setFinished(end.getFinished().toBuilder()
                    .setUsage(end.getFinished().getUsage().toBuilder().setTimings(reported))).build());
            responses.onCompleted();
        });
        StageClock clock = new StageClock();
        AskRequest withImage = AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageBytes(IMAGE))
                .setTask(Task.TASK_SHORT_DESCRIPTION).addRegions(box(2)).build();

        StepVerifier.create(asks.ask(TENANT, withImage, clock))
                .assertNext(end -> {
                    dev.osprey.api.v1.StageTimings timings = end.getFinished().getUsage().getTimings();
                    assertThat(timings.getQueueMs()).isEqualTo(3);
                    assertThat(timings.getPrefillMs()).isEqualTo(40);
                    assertThat(timings.getDecodeMs()).isEqualTo(500);
                    assertThat(timings.getEncodeMs()).as("the llm-service's fetch and the upload of the image sent with the question")
                            .isGreaterThan(2);
                    assertThat(timings.getExtractMs()).as("the Extract call").isPositive();
                })
                .expectComplete().verify(PATIENCE);
        assertThat(clock.serverTimingSoFar()).matches("encode;dur=[0-9.]+, extract;dur=[0-9.]+");
    }

    @Test
    void aClientThatLeavesMidAnswerCancelsTheGeneration() throws InterruptedException {
        standIns.hold(owner(), IMAGE_ID, IMAGE);
        CountDownLatch cancelled = new CountDownLatch(1);
        standIns.generation((request, responses) -> {
            responses.setOnCancelHandler(cancelled::countDown);
            responses.onNext(StandInBackends.piece(0, "Wh"));
            // Never finishes: only the gateway's cancel ends the call.
        });

        StepVerifier.create(asks.ask(TENANT, prompt("what is this?"))).expectNext(StandInBackends.piece(0, "Wh")).thenCancel()
                .verify(PATIENCE);

        assertThat(cancelled.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the llm-service saw the call cancelled").isTrue();
    }

    @Test
    void aGenerationPastTheQuestionsDeadlineEndsAndTheBackendIsToldToStop() throws InterruptedException {
        standIns.hold(owner(), IMAGE_ID, IMAGE);
        CountDownLatch stopped = new CountDownLatch(1);
        // Never answers; the deadline is long enough for the call to arrive first on a busy machine.
        standIns.generation((request, responses) -> Context.current().addListener(context -> stopped.countDown(), Runnable::run));

        StepVerifier.create(asks(Duration.ofSeconds(5)).ask(TENANT, prompt("what is this?"))).verifyErrorSatisfies(e -> assertThat(e)
                .isInstanceOfSatisfying(ServiceException.class, late -> {
                    assertThat(late.reason()).isEqualTo(ErrorReason.DEADLINE_EXCEEDED);
                    assertThat(late.getMessage()).isEqualTo("llm-service did not answer in time");
                }));

        assertThat(stopped.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the llm-service's call context was cancelled").isTrue();
    }

    @Test
    void aQuestionOutsideTheLimitsIsRefusedNamingTheFieldBeforeAnyBackendWorks() {
        AskRequest valid = prompt("what is this?");
        Map<AskRequest, String> refused = Map.of(
                valid.toBuilder().clearImage().build(), "image: give an image_id from UploadImage, or the image bytes",
                valid.toBuilder().clearPrompt().build(), "give a task or a prompt",
                valid.toBuilder().setPrompt("x".repeat(101)).build(), "prompt: 101 characters, the limit is 100",
                valid.toBuilder().addRegions(box(1)).addRegions(box(2)).addRegions(box(3)).addRegions(box(4)).addRegions(box(5)).build(),
                "regions: 5 regions, the limit is 4",
                valid.toBuilder().setTask(Task.TASK_UNSPECIFIED).build(), "task: unknown task; use short, detailed or category",
                valid.toBuilder().addHistory(Turn.newBuilder().setContent("x".repeat(101))).build(),
                "history[0].content: 101 characters, the limit is 100",
                valid.toBuilder().addHistory(Turn.getDefaultInstance()).addHistory(Turn.getDefaultInstance())
                        .addHistory(Turn.getDefaultInstance()).build(), "history: 3 turns, the limit is 2",
                // uint32 on the wire: read unsigned, not as a negative count under the limit.
                valid.toBuilder().setMaxNewTokens(-1).build(), "max_new_tokens: 4294967295, the limit is 64");
        refused.forEach((request, message) -> StepVerifier.create(asks.ask(TENANT, request))
                .verifyErrorSatisfies(e -> assertBadInput(e, message)));
        assertThat(standIns.calls()).isEmpty();
    }

    private RegionAsks asks(Duration deadline) {
        return asks(deadline, true);
    }

    private RegionAsks asks(Duration deadline, boolean warmUp) {
        Backends backends = standIns.backends();
        return new RegionAsks(backends, new Segmentations(backends), new AskLimits(1024, 4, 100, 2, 64, false, 4, deadline, UPLOAD_DEADLINE), warmUp);
    }

    private String owner() {
        return standIns.owner(IMAGE_ID);
    }

    /** An encoder that is not the owner: one that may hold the image from before the replicas changed. */
    private String formerOwner() {
        return ownerFirst().getLast();
    }

    private List<String> ownerFirst() {
        return Stream.concat(Stream.of(owner()),
                standIns.encoders().stream().filter(encoder -> !encoder.equals(owner()))).toList();
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static AskRequest prompt(String text) {
        return AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageId(PUBLIC_ID)).setPrompt(text).build();
    }

    private static Region box(int side) {
        return Region.newBuilder().setBox(Box.newBuilder().setWidth(side).setHeight(side)).build();
    }

    /** A deadline set by the flow whose limit is {@code limit}: never past it, and not one of a shorter flow. */
    private static void assertCarries(Deadline deadline, Duration limit) {
        assertThat(deadline).as("every call has a deadline").isNotNull();
        long remaining = deadline.timeRemaining(TimeUnit.MILLISECONDS);
        assertThat(remaining).isLessThanOrEqualTo(limit.toMillis()).isGreaterThan(limit.minus(PATIENCE).toMillis());
    }

    private static void assertBadInput(Throwable failure, String message) {
        assertThat(failure).isInstanceOfSatisfying(OspreyException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }
}
