package dev.osprey.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.sam.GoldenSamCase;
import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.encoder.sam.TinySam;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.internal.v1.AutomaticMask;
import dev.osprey.internal.v1.AutomaticParameters;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.PrepareImageRequest;
import dev.osprey.internal.v1.PromptBox;
import dev.osprey.internal.v1.PromptPoint;
import dev.osprey.internal.v1.SegmentAllRequest;
import dev.osprey.internal.v1.SegmentAllResponse;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.internal.v1.SegmentResponse;
import dev.osprey.internal.v1.SegmentedMask;
import dev.osprey.internal.v1.SegmenterGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoRle;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.model.sam.auto.AutomaticGoldenCase;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.GrpcErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Segmenter RPCs in process beside the Encoder's, on the tiny bundle and the golden tiny SAM
 * checkpoint, built without Spring: masks as COCO RLE equal to the golden ones, statuses that name
 * what is wrong, tenancy and forgetting as the Encoder's.
 */
class SegmenterGrpcServiceTest {

    private static final StoreLimits ROOMY = new StoreLimits(64L << 20, 64L << 20, Duration.ZERO);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final EmbeddedVisionBackend tower = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1));
    private final AtomicInteger runs = new AtomicInteger();
    private InProcessEncoder encoder;
    @TempDir
    Path uploads;

    @AfterEach
    void close() {
        encoder.close();
        tower.close();
    }

    private InProcessEncoder start(Function<FeatureStore, SegmentAnything> sam) {
        encoder = new InProcessEncoder(tower, new LocalUploadStore(uploads), ROOMY, System::nanoTime, sam);
        return encoder;
    }

    private InProcessEncoder startWithSam() {
        return start(store -> TinySam.embedded(store, 8L << 20, runs));
    }

    private String upload(String scope, String image) {
        return encoder.stub().encode(EncodeRequest.newBuilder().setScope(scope)
                .setImage(ByteString.copyFrom(GoldenSamCase.imageBytes(image))).build()).getImageId();
    }

    private static SegmentRequest click(String imageId, double x, double y, int label) {
        return SegmentRequest.newBuilder().setImageId(imageId).addPoints(PromptPoint.newBuilder().setX(x).setY(y).setLabel(label)).build();
    }

    private static BinaryMask decode(SegmentedMask mask) {
        return CocoRle.decode(mask.getRle().getHeight(), mask.getRle().getWidth(), mask.getRle().getCompressed());
    }

    @Test
    void segmentAnswersTheGoldenMasksAsCocoRleWithScoresAreasAndBoxes() {
        SegmenterGrpc.SegmenterBlockingStub segmenter = startWithSam().segmenter();
        for (String name : List.of("s1_img0/point1_mm", "s1_img1/box_point", "s1_img3/box_points")) {
            GoldenSamCase golden = GoldenSamCase.read(name);
            String id = upload("", golden.image());
            SegmentResponse response = segmenter.segment(golden.request(id));

            assertThat(response.getImageId()).isEqualTo(id);
            assertThat(new int[] {response.getWidth(), response.getHeight()}).as(name).containsExactly(golden.width(), golden.height());
            assertThat(response.getEmbeddingCached()).isFalse();
            assertThat(response.getBestIndex()).isEqualTo(golden.bestIndex());
            List<BinaryMask> masks = response.getMasksList().stream().map(SegmenterGrpcServiceTest::decode).toList();
            golden.assertMasks(masks);
            for (int k = 0; k < masks.size(); k++) {
                SegmentedMask mask = response.getMasks(k);
                assertThat(mask.getArea()).isEqualTo(masks.get(k).area());
                assertThat(mask.getBboxList()).containsExactlyElementsOf(Arrays.stream(masks.get(k).bbox()).mapToObj(v -> (int) v).toList());
                assertThat(mask.getScore()).isBetween(-2f, 2f);
            }
        }
    }

    @Test
    void prepareImageComputesTheEmbeddingThatClicksThenFind() {
        SegmenterGrpc.SegmenterBlockingStub segmenter = startWithSam().segmenter();
        String id = upload("", "s1_img2");

        assertThat(segmenter.prepareImage(PrepareImageRequest.newBuilder().setImageId(id).build()).getCached()).isFalse();
        assertThat(segmenter.prepareImage(PrepareImageRequest.newBuilder().setImageId(id).build()).getCached()).isTrue();
        assertThat(segmenter.segment(click(id, 100, 200, 1)).getEmbeddingCached()).isTrue();
        assertThat(runs.get()).isOne();
        assertThat(encoder.meters.get("osprey.segment.duration").tags("rpc", "segment", "outcome", "success").timer().count()).isOne();
        assertThat(encoder.meters.get("osprey.segment.duration").tags("rpc", "prepare_image", "outcome", "success").timer().count())
                .isEqualTo(2);
    }

    @Test
    void badPromptsAreInvalidArgumentNamingWhatIsWrong() {
        SegmenterGrpc.SegmenterBlockingStub segmenter = startWithSam().segmenter();
        String id = upload("", "s1_img0");

        assertStatus(() -> segmenter.segment(click(id, 700, 10, 1)), Status.Code.INVALID_ARGUMENT, "is outside the 640x480 image");
        assertStatus(() -> segmenter.segment(click(id, 10, 10, 0)), Status.Code.INVALID_ARGUMENT, "needs at least one foreground point");
        assertStatus(() -> segmenter.segment(click(id, 10, 10, 7)), Status.Code.INVALID_ARGUMENT, "point 0 has label 7");
        assertStatus(() -> segmenter.segment(SegmentRequest.newBuilder().setImageId(id).build()), Status.Code.INVALID_ARGUMENT,
                "needs at least one point or a box");
        SegmentRequest.Builder many = SegmentRequest.newBuilder().setImageId(id);
        for (int i = 0; i < 65; i++) {
            many.addPoints(PromptPoint.newBuilder().setX(i).setY(i).setLabel(1));
        }
        assertStatus(() -> segmenter.segment(many.build()), Status.Code.INVALID_ARGUMENT, "at most 64 points");
        assertStatus(() -> segmenter.segment(SegmentRequest.newBuilder().setImageId(id)
                .setBox(PromptBox.newBuilder().setX0(10).setY0(10).setX1(800).setY1(20)).build()), Status.Code.INVALID_ARGUMENT,
                "must satisfy 0 <= x0 <= x1 <= 640");
        assertStatus(() -> segmenter.segment(click("not-an-id", 1, 1, 1)), Status.Code.INVALID_ARGUMENT, "is not an id from an upload");
        assertStatus(() -> segmenter.segment(click("0".repeat(64), 1, 1, 1)), Status.Code.NOT_FOUND, "upload the image again");
        assertThat(encoder.meters.get("osprey.segment.duration").tags("rpc", "segment", "outcome", "failure").timer().count()).isEqualTo(8);
    }

    @Test
    void withoutSamInTheBundleEveryCallIsUnimplementedSayingSo() {
        SegmenterGrpc.SegmenterBlockingStub segmenter = start(store -> SegmentAnything.absent(
                "the model bundle of this encoder (bundle) has no Segment Anything model: convert it with `osprey convert --sam`")).segmenter();
        String id = upload("", "s1_img0");

        StatusRuntimeException failure = assertStatus(() -> segmenter.segment(click(id, 10, 10, 1)), Status.Code.UNIMPLEMENTED,
                "has no Segment Anything model");
        assertThat(GrpcErrors.fromStatus(failure).reason()).isEqualTo(ErrorReason.NOT_IMPLEMENTED);
        assertStatus(() -> segmenter.prepareImage(PrepareImageRequest.newBuilder().setImageId(id).build()), Status.Code.UNIMPLEMENTED,
                "osprey convert --sam");
        assertStatus(() -> segmenter.segmentAll(SegmentAllRequest.newBuilder().setImageId(id).build()), Status.Code.UNIMPLEMENTED,
                "has no Segment Anything model");
    }

    @Test
    void anImageIdOfAnotherTenantIsNotFoundAndForgetDropsTheEmbedding() {
        SegmenterGrpc.SegmenterBlockingStub segmenter = startWithSam().segmenter();
        String alice = upload("alice", "s1_img1");
        String bobsName = ImageId.scoped("bob", ImageId.of(GoldenSamCase.imageBytes("s1_img1")));
        assertThat(segmenter.segment(click(alice, 200, 300, 1)).getMasksCount()).isOne();

        assertStatus(() -> segmenter.segment(click(bobsName, 200, 300, 1)), Status.Code.NOT_FOUND, "upload the image again");
        assertThat(encoder.stub().forget(ForgetRequest.newBuilder().setImageId(alice).build()).getForgotten()).isTrue();
        assertThat(encoder.sam.embeddings().orElseThrow().cache().size()).isZero();
        assertStatus(() -> segmenter.segment(click(alice, 200, 300, 1)), Status.Code.NOT_FOUND, "upload the image again");
    }

    @Test
    void segmentAllAnswersTheReferenceAutomaticMasksWithTheirFields() throws Exception {
        SegmenterGrpc.SegmenterBlockingStub segmenter = startWithSam().segmenter();
        AutomaticGoldenCase golden = AutomaticGoldenCase.all().getFirst();
        String id = encoder.stub().encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(Files.readAllBytes(golden.image())))
                .build()).getImageId();
        AutomaticParameters.Builder params = AutomaticParameters.newBuilder();
        // The reference's parameter names are the message's field names; output_mode is not a parameter here.
        JsonFormat.parser().ignoringUnknownFields().merge(golden.paramsJson(), params);

        SegmentAllResponse all = segmenter.segmentAll(SegmentAllRequest.newBuilder().setImageId(id).setParams(params).build());

        assertThat(new int[] {all.getWidth(), all.getHeight()}).containsExactly(480, 360);
        assertThat(all.getTotalMasks()).isEqualTo(all.getMasksCount()).isEqualTo(golden.annotations().size());
        golden.assertAnnotationsMatch(annotations(all));

        SegmentAllResponse capped = segmenter.segmentAll(SegmentAllRequest.newBuilder().setImageId(id).setParams(params).setMaxMasks(2).build());
        assertThat(capped.getMasksCount()).isEqualTo(2);
        assertThat(capped.getTotalMasks()).isEqualTo(all.getTotalMasks());
        assertThat(encoder.meters.get("osprey.segment.duration").tags("rpc", "segment_all", "outcome", "success").timer().count()).isEqualTo(2);
    }

    @Test
    void segmentAllRefusesParametersOutOfRangeNamingThem() {
        SegmenterGrpc.SegmenterBlockingStub segmenter = startWithSam().segmenter();
        String id = upload("", "s1_img0");
        SegmentAllRequest.Builder request = SegmentAllRequest.newBuilder().setImageId(id);

        assertStatus(() -> segmenter.segmentAll(request.setParams(AutomaticParameters.newBuilder().setCropOverlapRatio(1.5)).build()),
                Status.Code.INVALID_ARGUMENT, "crop_overlap_ratio is 1.5");
        assertStatus(() -> segmenter.segmentAll(request.setParams(AutomaticParameters.newBuilder().setPointsPerSide(0)).build()),
                Status.Code.INVALID_ARGUMENT, "points_per_side is 0");
        assertStatus(() -> segmenter.segmentAll(request.setParams(AutomaticParameters.newBuilder().setPointsPerSide(100)).build()),
                Status.Code.INVALID_ARGUMENT, "points_per_side is 100, this server allows at most 64");
        assertStatus(() -> segmenter.segmentAll(request.clearParams().setMaxMasks(-2).build()), Status.Code.INVALID_ARGUMENT,
                "max_masks must be >= 0");
        assertThat(runs.get()).isZero();
    }

    // The masks as the reference's annotations, fields in its order.
    private static JsonNode annotations(SegmentAllResponse all) {
        ArrayNode annotations = JSON.createArrayNode();
        for (AutomaticMask mask : all.getMasksList()) {
            ObjectNode annotation = annotations.addObject();
            ObjectNode segmentation = annotation.putObject("segmentation");
            segmentation.putArray("size").add(mask.getMask().getRle().getHeight()).add(mask.getMask().getRle().getWidth());
            segmentation.put("counts", mask.getMask().getRle().getCompressed());
            annotation.put("area", mask.getMask().getArea());
            mask.getMask().getBboxList().forEach(annotation.putArray("bbox")::add);
            annotation.put("predicted_iou", mask.getMask().getScore());
            annotation.putArray("point_coords").addArray().add(mask.getPointCoords(0)).add(mask.getPointCoords(1));
            annotation.put("stability_score", mask.getStabilityScore());
            mask.getCropBoxList().forEach(annotation.putArray("crop_box")::add);
        }
        return annotations;
    }

    private static StatusRuntimeException assertStatus(ThrowingCallable call, Status.Code code, String message) {
        StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, call);
        assertThat(failure).as("the call fails").isNotNull();
        assertThat(failure.getStatus().getCode()).isEqualTo(code);
        assertThat(failure.getStatus().getDescription()).contains(message);
        return failure;
    }
}
