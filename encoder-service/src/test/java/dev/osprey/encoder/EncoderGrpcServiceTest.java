package dev.osprey.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.internal.v1.TensorInfo;
import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.VisionFeatures;
import dev.osprey.service.GrpcErrors;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every Encoder RPC in process on the tiny bundle, with the embedded backend and a local upload store, built without Spring. */
class EncoderGrpcServiceTest {

    private static final Map<String, int[]> SIZES = Map.of("s1_img0", new int[] {640, 480}, "s1_img1", new int[] {333, 500},
            "s1_img2", new int[] {512, 512}, "s1_img3", new int[] {1024, 200});
    private static final StoreLimits ROOMY = new StoreLimits(256L << 20, 256L << 20, Duration.ofMinutes(30));

    private final AtomicLong now = new AtomicLong();
    private final EmbeddedVisionBackend tower = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1));
    private InProcessEncoder encoder;
    @TempDir
    Path uploadDir;

    @AfterEach
    void close() {
        encoder.close();
        tower.close();
    }

    private EncoderGrpc.EncoderBlockingStub start(VisionBackend backend, StoreLimits limits) {
        encoder = new InProcessEncoder(backend, new LocalUploadStore(uploadDir), limits, now::get);
        return encoder.stub();
    }

    @Test
    void encodeThenGetFeaturesAndImageTokensGiveTheGoldenTensorsOfEveryCase() {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        for (String caseName : Golden.CASES) {
            byte[] image = GoldenImages.bytes(caseName);
            EncodeResponse encoded = stub.encode(request(image));

            assertThat(encoded.getImageId()).isEqualTo(ImageId.of(image)).hasSize(64);
            assertThat(new int[] {encoded.getWidth(), encoded.getHeight()}).as(caseName).containsExactly(SIZES.get(caseName));
            assertThat(encoded.getCached()).isFalse();
            assertThat(encoded.getFeaturesList()).extracting(TensorInfo::getName)
                    .containsExactly("res2", "res3", "res4", "res5", "image_embeds");
            assertThat(encoded.getFeatures(4).getShapeList()).containsExactly(1024L, 64L);
            FeatureMaps maps = stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(encoded.getImageId()).build());
            ImageTokens tokens = stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(encoded.getImageId()).build());
            assertThat(maps.getWidth()).isEqualTo(encoded.getWidth());
            assertThat(maps.getHeight()).isEqualTo(encoded.getHeight());
            assertThat(tokens.getImageId()).isEqualTo(encoded.getImageId());
            GoldenImages.assertGolden(caseName, maps, tokens);
        }
        assertThat(tower.runs()).isEqualTo(Golden.CASES.length);
    }

    @Test
    void aSecondEncodeOfTheSameBytesIsCachedAndRunsNoModel() {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        byte[] image = GoldenImages.bytes("s1_img1");
        stub.encode(request(image));
        EncodeResponse again = stub.encode(request(image));

        assertThat(again.getCached()).isTrue();
        assertThat(tower.runs()).isOne();
        assertThat(encoder.store.featureCache().hits()).isOne();
        assertThat(encoder.store.featureCache().misses()).isOne();
        assertThat(encoder.store.featureCache().bytes()).isEqualTo(4L * (8 * 128 * 128 + 16 * 64 * 64 + 32 * 32 * 32 + 64 * 16 * 16 + 1024 * 64));
        assertThat(encoder.store.uploads().bytes()).isEqualTo(image.length);
    }

    @Test
    void concurrentEncodesOfOneNewImageRunTheTowerOnce() throws Exception {
        int callers = 6;
        // The one encode finishes only once every other caller waits for it.
        VisionBackend slow = new DelegatingBackend(tower) {
            @Override
            public List<VisionFeatures> encode(float[] pixelValues) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (encoder.store.featureCache().hits() < callers - 1 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                return super.encode(pixelValues);
            }
        };
        EncoderGrpc.EncoderBlockingStub stub = start(slow, ROOMY);
        byte[] image = GoldenImages.bytes("s1_img2");
        List<Future<EncodeResponse>> replies = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            for (int c = 0; c < callers; c++) {
                replies.add(pool.submit(() -> stub.encode(request(image))));
            }
            List<Boolean> cached = new ArrayList<>();
            for (Future<EncodeResponse> reply : replies) {
                cached.add(reply.get(60, TimeUnit.SECONDS).getCached());
            }
            assertThat(cached).containsOnlyOnce(false);
        }
        assertThat(tower.runs()).isOne();
        assertThat(encoder.store.featureCache().misses()).isOne();
    }

    @Test
    void concurrentEncodesOfDifferentImagesShareModelRunsAndStayGolden() throws Exception {
        int imageFloats = 3 * 512 * 512;
        // The first run waits until every other image is queued behind it, so they form one batch of three.
        VisionBackend gated = new DelegatingBackend(tower) {
            @Override
            public List<VisionFeatures> encode(float[] pixelValues) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (tower.runs() == 0 && pixelValues.length / imageFloats + encoder.batcher.queueDepth() < Golden.CASES.length
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                return super.encode(pixelValues);
            }
        };
        EncoderGrpc.EncoderBlockingStub stub = start(gated, ROOMY);
        List<Future<EncodeResponse>> replies = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Golden.CASES.length)) {
            for (String caseName : Golden.CASES) {
                replies.add(pool.submit(() -> stub.encode(request(GoldenImages.bytes(caseName)))));
            }
            for (Future<EncodeResponse> reply : replies) {
                assertThat(reply.get(60, TimeUnit.SECONDS).getCached()).isFalse();
            }
        }

        assertThat(tower.runs()).as("four images in at most two runs").isBetween(1L, 2L);
        for (int i = 0; i < Golden.CASES.length; i++) {
            String id = replies.get(i).get().getImageId();
            GoldenImages.assertGolden(Golden.CASES[i], stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(id).build()),
                    stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(id).build()));
        }
    }

    @Test
    void featuresEvictedFromTheCacheAreReencodedFromTheKeptBytes() {
        // Room for one image's features (1.2 MiB), many uploads.
        EncoderGrpc.EncoderBlockingStub stub = start(tower, new StoreLimits(2 << 20, 64L << 20, Duration.ZERO));
        String first = stub.encode(request(GoldenImages.bytes("s1_img0"))).getImageId();
        stub.encode(request(GoldenImages.bytes("s1_img3")));
        assertThat(encoder.store.featureCache().evictions()).isOne();

        FeatureMaps maps = stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(first).build());
        ImageTokens tokens = stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(first).build());

        assertThat(tower.runs()).as("two uploads and one re-encode").isEqualTo(3);
        GoldenImages.assertGolden("s1_img0", maps, tokens);
    }

    @Test
    void anImageIdleLongerThanTheTtlLeavesMemoryAndIsReencodedFromTheUploadStore() {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, new StoreLimits(2 << 20, 64L << 20, Duration.ofMinutes(10)));
        String id = stub.encode(request(GoldenImages.bytes("s1_img0"))).getImageId();
        now.addAndGet(Duration.ofMinutes(11).toNanos());

        FeatureMaps maps = stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(id).build());

        assertThat(encoder.store.uploads().expirations()).isOne();
        assertThat(encoder.store.featureCache().expirations()).isOne();
        assertThat(tower.runs()).as("the upload and one re-encode").isEqualTo(2);
        GoldenImages.assertGolden("s1_img0", maps, stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(id).build()));
    }

    @Test
    void anImageWhoseBytesAndFeaturesWereEvictedIsReadBackFromTheUploadStore() {
        // Each cache holds one image.
        EncoderGrpc.EncoderBlockingStub stub = start(tower, new StoreLimits(2 << 20, 70_000, Duration.ZERO));
        String first = stub.encode(request(GoldenImages.bytes("s1_img1"))).getImageId();
        stub.encode(request(GoldenImages.bytes("s1_img3")));

        FeatureMaps maps = stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(first).build());

        assertThat(encoder.store.uploads().evictions()).isPositive();
        GoldenImages.assertGolden("s1_img1", maps, stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(first).build()));
    }

    @Test
    void aScopedUploadIsKnownByItsScopedIdOnlyAndEachScopeHasItsOwnCopy() {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        byte[] image = GoldenImages.bytes("s1_img2");
        String alice = stub.encode(request(image).toBuilder().setScope("alice").build()).getImageId();

        assertThat(alice).isEqualTo(ImageId.scoped("alice", ImageId.of(image)));
        assertThat(stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(alice).build()).getImageId()).isEqualTo(alice);
        assertNotFound(() -> stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(ImageId.of(image)).build()));
        assertNotFound(() -> stub.getImage(GetImageRequest.newBuilder().setImageId(ImageId.scoped("bob", ImageId.of(image))).build()));
        EncodeResponse bob = stub.encode(request(image).toBuilder().setScope("bob").build());
        assertThat(bob.getImageId()).isEqualTo(ImageId.scoped("bob", ImageId.of(image)));
        assertThat(bob.getCached()).as("bob's copy is his own").isFalse();
        assertThat(stub.forget(ForgetRequest.newBuilder().setImageId(bob.getImageId()).build()).getForgotten()).isTrue();
        assertThat(stub.getImage(GetImageRequest.newBuilder().setImageId(alice).build()).getImage().toByteArray()).isEqualTo(image);
    }

    @Test
    void anImageThatWasNeverUploadedIsNotFoundAndMustBeUploaded() {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        String neverUploaded = ImageId.of(GoldenImages.bytes("s1_img2"));

        assertNotFound(() -> stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(neverUploaded).build()));
        assertNotFound(() -> stub.getImage(GetImageRequest.newBuilder().setImageId(neverUploaded).build()));
        assertThat(tower.runs()).isZero();
    }

    @Test
    void forgetRemovesBytesAndFeaturesFromMemoryAndTheUploadStore() {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        String id = stub.encode(request(GoldenImages.bytes("s1_img2"))).getImageId();
        assertThat(stub.getImage(GetImageRequest.newBuilder().setImageId(id).build()).getImage().toByteArray())
                .as("the held upload, for a replica that takes the image over").isEqualTo(GoldenImages.bytes("s1_img2"));

        assertThat(stub.forget(ForgetRequest.newBuilder().setImageId(id).build()).getForgotten()).isTrue();
        assertThat(stub.forget(ForgetRequest.newBuilder().setImageId(id).build()).getForgotten()).isFalse();
        assertNotFound(() -> stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(id).build()));
        assertNotFound(() -> stub.getImage(GetImageRequest.newBuilder().setImageId(id).build()));
        assertThat(encoder.store.uploads().size()).isZero();
        assertThat(uploadDir.resolve(id)).doesNotExist();
    }

    @Test
    void bytesThatAreNoImageAreAnInvalidArgumentNamingTheProblem() throws Exception {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        byte[] png = GoldenImages.bytes("s1_img0");
        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);

        for (byte[] bad : List.of("not an image".getBytes(), truncated, new byte[0])) {
            assertThatThrownBy(() -> stub.encode(request(bad))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).isNotBlank().doesNotContain("internal");
            });
        }
        assertThat(tower.runs()).isZero();
        assertThat(encoder.store.uploads().size()).as("bad uploads are not kept").isZero();
        try (var stored = Files.list(uploadDir)) {
            assertThat(stored).as("nor stored").isEmpty();
        }
    }

    @Test
    void anImageOfAnExtremeAspectRatioIsAnInvalidArgumentNamingItsSizeAndTheLimit() throws Exception {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        // 50 megapixels, within the pixel limit, but its short side scaled to 512 would make it 409600x512.
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(200_000, 250, BufferedImage.TYPE_BYTE_BINARY), "png", png);

        assertThatThrownBy(() -> stub.encode(request(png.toByteArray()))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo("image is 200000x250, an aspect ratio of 800:1; the limit is 20:1"
                    + " (crop the image)");
        });
        assertThat(tower.runs()).isZero();
    }

    @Test
    void aMalformedImageIdIsAnInvalidArgument() {
        EncoderGrpc.EncoderBlockingStub stub = start(tower, ROOMY);
        assertThatThrownBy(() -> stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId("s1_img0.png").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("64 lowercase hex digits", "s1_img0.png");
                });
    }

    @Test
    void aCallWhoseDeadlineHasPassedIsAnsweredWithoutDecodingOrEncoding() {
        start(tower, ROOMY);
        EncoderGrpcService service = new EncoderGrpcService(encoder.store);
        StreamObserver<EncodeResponse> response = new StreamObserver<>() {
            @Override
            public void onNext(EncodeResponse value) {
                throw new AssertionError("answered after the deadline");
            }

            @Override
            public void onError(Throwable t) {
                throw new AssertionError("failures are thrown, for the exception handler to end the call");
            }

            @Override
            public void onCompleted() {
            }
        };
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (Context.CancellableContext expired = Context.current().withDeadlineAfter(-1, TimeUnit.SECONDS, timer)) {
            assertThatThrownBy(() -> expired.run(() -> service.encode(request(GoldenImages.bytes("s1_img0")), response)))
                    .satisfies(failure -> assertThat(GrpcErrors.toStatus(failure).getStatus().getCode())
                            .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        } finally {
            timer.shutdownNow();
        }

        assertThat(tower.runs()).isZero();
        assertThat(encoder.store.featureCache().misses()).isZero();
    }

    private static EncodeRequest request(byte[] image) {
        return EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image)).build();
    }

    private static void assertNotFound(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).contains("upload the image again");
        });
    }
}
