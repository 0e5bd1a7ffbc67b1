package dev.osprey.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.AutomaticParameters;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.DescribeAllRequest;
import dev.osprey.api.v1.DescribedMask;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Point;
import dev.osprey.api.v1.PointLabel;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.SamPrompt;
import dev.osprey.api.v1.SegmentRequest;
import dev.osprey.api.v1.Task;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.internal.v1.PromptBox;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Segment Anything through the gateway's flow over in-process backends: which of SAM's masks a
 * prompt becomes (the ONNX export's single-mask rule), prompts checked before any backend works,
 * prompt regions segmented before extraction, describe-all's masks asked about a few at a time
 * with one answer each, the cap, and a bundle without SAM.
 */
class SamAsksTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Tenant TENANT = new Tenant("acme");
    private static final ByteString IMAGE = ByteString.copyFromUtf8("an image");
    private static final String PUBLIC_ID = ImageId.of(IMAGE.asReadOnlyByteBuffer());
    private static final String IMAGE_ID = TENANT.internalId(PUBLIC_ID);
    private static final ImageRef REF = ImageRef.newBuilder().setImageId(PUBLIC_ID).build();
    /** At most 4 points; describe-all: at most 6 masks, 2 per question, 2 questions at once. */
    private static final AskLimits LIMITS = new AskLimits(1024, 4, 100, 2, 64, false, 4, Duration.ofMinutes(3), Duration.ofMinutes(3));

    private final StandInBackends standIns = new StandInBackends(2);
    private final Backends backends = standIns.backends();
    private final Segmentations segmentations = new Segmentations(backends);
    private final RegionAsks asks = new RegionAsks(backends, segmentations, LIMITS, false);
    private final SamAsks sam = new SamAsks(asks, segmentations, LIMITS, new DescribeLimits(6, 2, 2, Duration.ofMinutes(9)));

    @BeforeEach
    void upload() {
        asks.upload(TENANT, IMAGE).block(PATIENCE);
        standIns.reset();
        standIns.hold(standIns.owner(IMAGE_ID), IMAGE_ID, IMAGE);
    }

    @AfterEach
    void stop() throws InterruptedException {
        standIns.close();
    }

    @Test
    void oneClickOrALoneBoxIsTheBestOfSamsThreeCandidatesAndMoreInputsItsSingleOutputMask() {
        assertThat(segment(prompt(point(1, 1, true)), false).getMasksList()).singleElement()
                .satisfies(mask -> assertThat(mask.getRle()).isEqualTo(StandInBackends.samMask(1)));
        assertThat(standIns.segmented().getLast().getMultimask()).as("one click: the candidates are made").isTrue();

        assertThat(segment(SamPrompt.newBuilder().setBox(box()).build(), false).getMasks(0).getRle()).isEqualTo(StandInBackends.samMask(1));
        assertThat(standIns.segmented().getLast().getMultimask()).as("a lone box").isTrue();

        for (SamPrompt more : List.of(prompt(point(1, 1, true), point(2, 1, false)), prompt(point(1, 1, true)).toBuilder().setBox(box()).build())) {
            assertThat(segment(more, false).getMasksList()).singleElement()
                    .satisfies(mask -> assertThat(mask.getRle()).isEqualTo(StandInBackends.samMask(11)));
            assertThat(standIns.segmented().getLast().getMultimask()).as("%s", more).isFalse();
        }
    }

    @Test
    void multimaskGivesTheThreeCandidatesInSamsOrderWithTheBestIndexed() {
        var response = segment(prompt(point(1, 1, true), point(2, 2, true)), true);
        assertThat(response.getMasksList()).extracting(mask -> mask.getRle().getCompressed()).containsExactly(
                StandInBackends.samMask(0).getCompressed(), StandInBackends.samMask(1).getCompressed(), StandInBackends.samMask(2).getCompressed());
        assertThat(response.getMasksList()).extracting(mask -> mask.getScore()).containsExactly(0.5f, 0.9f, 0.7f);
        assertThat(response.getBest()).isEqualTo(1);
        assertThat(response.getMasks(2).getBbox()).as("pixel 2: column 0, row 2")
                .isEqualTo(Box.newBuilder().setX(0).setY(2).setWidth(1).setHeight(1).build());
    }

    @Test
    void theBoxGoesToSamAsItsCornersAndLabelsAsOneAndZero() {
        segment(prompt(point(1.5, 0.25, true), point(3, 2, false)).toBuilder().setBox(box()).build(), false);
        var sent = standIns.segmented().getLast();
        assertThat(sent.getImageId()).as("the tenant's id").isEqualTo(IMAGE_ID);
        assertThat(sent.getBox()).isEqualTo(PromptBox.newBuilder().setX0(0.5).setY0(1).setX1(3.5).setY1(3).build());
        assertThat(sent.getPointsList()).extracting(p -> p.getX() + "," + p.getY() + "," + p.getLabel()).containsExactly("1.5,0.25,1", "3.0,2.0,0");
    }

    @Test
    void badPromptsAreRefusedNamingTheFieldBeforeAnyBackendWorks() {
        Map<SamPrompt, String> refused = Map.of(
                SamPrompt.getDefaultInstance(), "give points [[x, y, 1|0], ...], a box, or both",
                prompt(point(1, 1, false)), "points: no foreground point",
                prompt(point(1, 1, true), point(1, 1, true), point(1, 1, true), point(1, 1, true), point(1, 1, true)),
                "points: 5 points, the limit is 4",
                prompt(point(-1, 1, true)), "points[0].x: -1.0 is outside the image",
                prompt(point(1, Double.NaN, true)), "points[0].y: NaN is not a coordinate",
                prompt(Point.newBuilder().setX(1).setY(1).build()), "points[0]: the label must be foreground (1) or background (0)",
                SamPrompt.newBuilder().setBox(Box.newBuilder().setX(1).setY(1).setWidth(0).setHeight(2)).build(),
                "box: width and height must be positive");
        refused.forEach((prompt, message) -> StepVerifier.create(sam.segment(TENANT, SegmentRequest.newBuilder().setImage(REF)
                .setPrompt(prompt).build())).verifyErrorSatisfies(e -> assertBadInput(e, message)));
        assertThat(standIns.calls()).isEmpty();
    }

    @Test
    void aPointSamFindsOutsideTheImageIsItsBadInputAndARegionsFailureNamesTheRegion() {
        StepVerifier.create(sam.segment(TENANT, SegmentRequest.newBuilder().setImage(REF).setPrompt(prompt(point(9, 1, true))).build()))
                .verifyErrorSatisfies(e -> assertBadInput(e, "point 0 (9.0, 1.0) is outside the 4x3 image"));
        AskRequest ask = AskRequest.newBuilder().setImage(REF).setTask(Task.TASK_SHORT_DESCRIPTION)
                .addRegions(Region.newBuilder().setBox(box())).addRegions(Region.newBuilder().setSegment(prompt(point(9, 1, true)))).build();
        StepVerifier.create(asks.ask(TENANT, ask)).verifyErrorSatisfies(e -> assertBadInput(e, "region 2: point 0 (9.0, 1.0) is outside"));
        StepVerifier.create(asks.ask(TENANT, ask.toBuilder().setRegions(1, Region.newBuilder().setSegment(prompt(point(1, 1, false)))).build()))
                .verifyErrorSatisfies(e -> assertBadInput(e, "regions[1].points: no foreground point"));
    }

    @Test
    void promptRegionsBecomeTheirMasksBeforeExtractionAndTheOtherRegionsStayAsTheyAre() {
        AskRequest ask = AskRequest.newBuilder().setImage(REF).setTask(Task.TASK_SHORT_DESCRIPTION)
                .addRegions(Region.newBuilder().setSegment(prompt(point(1, 1, true))))
                .addRegions(Region.newBuilder().setBox(box()))
                .addRegions(Region.newBuilder().setSegment(prompt(point(1, 1, true), point(2, 2, true)))).build();
        StepVerifier.create(asks.ask(TENANT, ask).filter(AnswerEvent::hasFinished)).expectNextCount(3).verifyComplete();
        assertThat(standIns.extracted()).singleElement().satisfies(extract -> assertThat(extract.getRegionsList()).containsExactly(
                Region.newBuilder().setRle(StandInBackends.samMask(1)).build(), Region.newBuilder().setBox(box()).build(),
                Region.newBuilder().setRle(StandInBackends.samMask(11)).build()));
        assertThat(standIns.calls()).extracting(StandInBackends.Call::method).containsExactly("Segment", "Segment", "Extract", "Generate");
    }

    @Test
    void withoutSamInTheBundleEverySamCallIsNotImplementedSayingSo() {
        standIns.withoutSam();
        StepVerifier.create(sam.segment(TENANT, SegmentRequest.newBuilder().setImage(REF).setPrompt(prompt(point(1, 1, true))).build()))
                .verifyErrorSatisfies(e -> assertNotImplemented(e));
        StepVerifier.create(sam.describeAll(TENANT, DescribeAllRequest.newBuilder().setImage(REF).build()))
                .verifyErrorSatisfies(e -> assertNotImplemented(e));
        StepVerifier.create(asks.ask(TENANT, AskRequest.newBuilder().setImage(REF).setTask(Task.TASK_SHORT_DESCRIPTION)
                .addRegions(Region.newBuilder().setSegment(prompt(point(1, 1, true)))).build())).verifyErrorSatisfies(e -> assertNotImplemented(e));
    }

    @Test
    void anImageNobodyHoldsIsNotKnownForSegmentAsForAQuestion() {
        standIns.reset();
        StepVerifier.create(sam.segment(TENANT, SegmentRequest.newBuilder().setImage(REF).setPrompt(prompt(point(1, 1, true))).build()))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(OspreyException.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(Reason.NOT_FOUND);
                    assertThat(failure.getMessage()).contains(PUBLIC_ID).contains("upload the image again");
                }));
    }

    @Test
    void describeAllAsksAboutEveryMaskTwoPerQuestionAndGivesEachItsMaskAndAnswer() {
        List<DescribedMask> described = sam.describeAll(TENANT, DescribeAllRequest.newBuilder().setImage(REF).setMaxNewTokens(9)
                .setParams(AutomaticParameters.newBuilder().setPointsPerSide(8).setPredIouThresh(0.17)).build()).collectList().block(PATIENCE);
        assertThat(described).hasSize(5);
        assertThat(standIns.segmentedAll()).singleElement().satisfies(request -> {
            assertThat(request.getImageId()).isEqualTo(IMAGE_ID);
            assertThat(request.getMaxMasks()).as("the server's cap").isEqualTo(6);
            assertThat(request.getParams().getPointsPerSide()).isEqualTo(8);
            assertThat(request.getParams().getPredIouThresh()).isEqualTo(0.17);
            assertThat(request.getParams().hasBoxNmsThresh()).as("unset: the reference's default").isFalse();
        });
        assertThat(standIns.extracted()).extracting(extract -> extract.getRegionsCount()).containsExactlyInAnyOrder(2, 2, 1);
        for (DescribedMask mask : described.stream().sorted(Comparator.comparingInt(DescribedMask::getIndex)).toList()) {
            int k = mask.getIndex();
            assertThat(mask.getMask().getRle()).isEqualTo(StandInBackends.samMask(k));
            assertThat(mask.getMask().getScore()).isEqualTo(0.1f * (k + 1));
            assertThat(mask.getCount()).isEqualTo(5);
            assertThat(mask.getFound()).isEqualTo(5);
            assertThat(mask.getPoint().getX()).isEqualTo(k + 0.5);
            assertThat(mask.getCropBox().getWidth()).isEqualTo(4);
            // The stand-in answers "region K" for the K-th region of its question.
            assertThat(mask.getAnswer().getText()).isEqualTo("region " + k % 2);
            assertThat(mask.getAnswer().getUsage().getTotalMs()).as("timed at the gateway").isLessThan(1e9);
        }
        assertThat(standIns.calls()).filteredOn(call -> call.method().equals("Generate")).hasSize(3)
                .allSatisfy(call -> assertThat(call.deadline().timeRemaining(TimeUnit.MINUTES)).as("describe-all's deadline").isGreaterThan(5));
    }

    @Test
    void describeAllKeepsTheCapTheClientAsksForAndTheMaxNewTokensLimit() {
        standIns.automaticMasks(9);
        List<DescribedMask> described = sam.describeAll(TENANT, DescribeAllRequest.newBuilder().setImage(REF).setMaxMasks(3).build())
                .collectList().block(PATIENCE);
        assertThat(described).extracting(DescribedMask::getCount).containsOnly(3);
        assertThat(described).extracting(DescribedMask::getFound).containsOnly(9);
        assertThat(standIns.segmentedAll().getLast().getMaxMasks()).isEqualTo(3);
        sam.describeAll(TENANT, DescribeAllRequest.newBuilder().setImage(REF).setMaxMasks(1000).build()).blockLast(PATIENCE);
        assertThat(standIns.segmentedAll().getLast().getMaxMasks()).as("over the server's cap").isEqualTo(6);
        StepVerifier.create(sam.describeAll(TENANT, DescribeAllRequest.newBuilder().setImage(REF).setMaxNewTokens(65).build()))
                .verifyErrorSatisfies(e -> assertBadInput(e, "max_new_tokens: 65, the limit is 64"));
    }

    @Test
    void thePublicAutomaticParametersAreTheSegmentersFieldForField() {
        var mine = AutomaticParameters.getDescriptor().getFields();
        var theirs = dev.osprey.internal.v1.AutomaticParameters.getDescriptor();
        assertThat(mine).hasSameSizeAs(theirs.getFields());
        for (FieldDescriptor field : mine) {
            FieldDescriptor same = theirs.findFieldByNumber(field.getNumber());
            assertThat(same).as(field.getName()).isNotNull();
            assertThat(List.of(same.getName(), same.getType(), same.hasPresence()))
                    .as(field.getName()).isEqualTo(List.of(field.getName(), field.getType(), field.hasPresence()));
        }
    }

    private dev.osprey.api.v1.SegmentResponse segment(SamPrompt prompt, boolean multimask) {
        return sam.segment(TENANT, SegmentRequest.newBuilder().setImage(REF).setPrompt(prompt).setMultimask(multimask).build()).block(PATIENCE);
    }

    private static SamPrompt prompt(Point... points) {
        return SamPrompt.newBuilder().addAllPoints(List.of(points)).build();
    }

    private static Point point(double x, double y, boolean foreground) {
        return Point.newBuilder().setX(x).setY(y).setLabel(foreground ? PointLabel.POINT_LABEL_FOREGROUND : PointLabel.POINT_LABEL_BACKGROUND).build();
    }

    private static Box box() {
        return Box.newBuilder().setX(0.5).setY(1).setWidth(3).setHeight(2).build();
    }

    private static void assertBadInput(Throwable failure, String message) {
        Object reason = failure instanceof OspreyException e ? ErrorReason.of(e.reason()) : ((ServiceException) failure).reason();
        assertThat(reason).as("%s", failure).isEqualTo(ErrorReason.BAD_INPUT);
        assertThat(failure.getMessage()).contains(message);
    }

    private static void assertNotImplemented(Throwable failure) {
        assertThat(failure).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.reason()).isEqualTo(ErrorReason.NOT_IMPLEMENTED);
            assertThat(e.getMessage()).contains("no Segment Anything model");
        });
    }
}
