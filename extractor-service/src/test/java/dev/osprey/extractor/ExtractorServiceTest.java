package dev.osprey.extractor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.Polygon;
import dev.osprey.api.v1.Polygons;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.RunLengths;
import dev.osprey.api.v1.SamPrompt;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractResponse;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoBox;
import dev.osprey.model.mask.MaskFiles;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.GrpcErrorHandler;
import dev.osprey.service.GrpcErrors;
import dev.osprey.service.Replicas;
import dev.osprey.service.StageSpans;
import dev.osprey.service.TensorMessages;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Extract RPC over real loopback gRPC, without Spring: the service built from the tiny bundle's
 * extractor weights, features from {@link GoldenEncoder}. Region tokens equal the reference (as
 * {@code osprey extract} does) whatever format the masks come in; bad requests name their problem.
 */
class ExtractorServiceTest {

    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] CASES = Golden.CASES;

    static FeatureServer encoder;
    static String downEncoder;
    static EncoderChannels encoderChannels;
    static Server server;
    static ManagedChannel channel;
    static ExtractorGrpc.ExtractorBlockingStub extractor;

    @BeforeAll
    static void start() throws IOException {
        encoder = GoldenEncoder.start();
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            downEncoder = "127.0.0.1:" + socket.getLocalPort();
        }
        encoderChannels = new EncoderChannels(encoder.address(), Replicas.parse("encoder-service", encoder.address() + "," + downEncoder, 0),
                Optional.empty());
        MaskExtractor maskExtractor;
        try (SafetensorsFile weights = SafetensorsFile.open(dev.osprey.model.TinyBundle.open().extractorWeights())) {
            maskExtractor = new MaskExtractor(MaskExtractorWeights.load(weights));
        }
        RegionExtraction extraction = new RegionExtraction(new EncoderClient(encoderChannels, Duration.ofSeconds(30)), maskExtractor, 8,
                RegionExtraction.featureCache(256L << 20, Duration.ofMinutes(10)), StageSpans.OFF);
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(GrpcErrorHandler.handling(new ExtractorGrpcService(extraction, new SimpleMeterRegistry()))).build().start();
        channel = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create()).build();
        extractor = ExtractorGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.shutdownNow();
        encoderChannels.close();
        encoder.close();
    }

    /** How a golden mask travels: each of the formats the API accepts. */
    enum Format {
        PNG, RLE, RLE_COUNTS, POLYGONS
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void regionTokensEqualTheReferenceInEveryMaskFormat(String caseName) throws IOException {
        JsonNode masks = JSON.readTree(Golden.file("reference/" + caseName + "/result.json").toFile()).get("masks");
        for (Format format : Format.values()) {
            List<Region> regions = new ArrayList<>();
            int polygonMasks = 0;
            for (JsonNode mask : masks) {
                if (format == Format.POLYGONS && !mask.has("polygon")) {
                    // Rectangles have no polygon file: they come as PNG beside the polygons.
                    regions.add(region(Format.PNG, mask));
                } else {
                    regions.add(region(format, mask));
                    polygonMasks += format == Format.POLYGONS ? 1 : 0;
                }
            }
            ExtractResponse response = extractor.extract(request(caseName, regions));
            try (SafetensorsFile golden = Golden.tensors(caseName)) {
                int q = masks.size();
                String what = caseName + " " + format + " (" + polygonMasks + " polygon masks)";
                Golden.assertClose(what + " mask_tokens", TensorMessages.floats(response.getTokens().getMaskTokens(), "mask_tokens", q, -1),
                        golden.floats("mask_tokens"), ATOL, RTOL);
                Golden.assertClose(what + " pos_tokens", TensorMessages.floats(response.getTokens().getPosTokens(), "pos_tokens", q, -1),
                        golden.floats("pos_tokens"), ATOL, RTOL);
            }
            for (int i = 0; i < masks.size(); i++) {
                assertThat(response.getAreas(i)).as("%s %s area of region %d", caseName, format, i + 1).isEqualTo(masks.get(i).get("area").asLong());
            }
        }
    }

    @Test
    void aBoxIsRasterisedAsPycocotoolsRasterisesABbox() {
        Region box = Region.newBuilder().setBox(Box.newBuilder().setX(10.4).setY(20.6).setWidth(100.2).setHeight(50.7)).build();
        BinaryMask expected = CocoBox.rasterize(10.4, 20.6, 100.2, 50.7, 480, 640);
        Region sameAsRle = Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(480).setWidth(640)
                .setCompressed(dev.osprey.model.mask.CocoRle.encode(expected))).build();
        ExtractResponse fromBox = extractor.extract(request("s1_img0", List.of(box)));
        ExtractResponse fromRle = extractor.extract(request("s1_img0", List.of(sameAsRle)));
        assertThat(fromBox.getAreas(0)).isEqualTo(expected.area()).isPositive();
        assertThat(fromBox.getTokens()).isEqualTo(fromRle.getTokens());
    }

    @Test
    void badRegionsAreInvalidArgumentsNamingTheRegion() {
        Region good = Region.newBuilder().setBox(Box.newBuilder().setX(1).setY(1).setWidth(20).setHeight(20)).build();
        assertInvalid(List.of(good, Region.getDefaultInstance()), "region 2: no mask given");
        assertInvalid(List.of(Region.newBuilder().setSegment(SamPrompt.newBuilder().setBox(good.getBox())).build()),
                "region 1: a Segment Anything prompt is not a mask");
        assertInvalid(List.of(good, empty(100, 100)), "region 2: mask is 100x100, the image is 640x480");
        assertInvalid(List.of(Region.newBuilder().setPng(ByteString.copyFromUtf8("not a png")).build()), "region 1: mask is not a PNG file");
        assertInvalid(List.of(good, good, empty(480, 640)), "region 3: mask is empty");
        assertInvalid(List.of(Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(480).setWidth(640)
                .setUncompressed(RunLengths.newBuilder().addCounts(-1))).build()), "region 1: rle run 0 is 4294967295");
        assertInvalid(List.of(Region.newBuilder().setPolygons(Polygons.newBuilder().addPolygons(Polygon.newBuilder()
                .addCoordinates(1).addCoordinates(2))).build()), "region 1: ");
        assertInvalid(List.of(), "regions is empty");
        assertInvalid(java.util.Collections.nCopies(9, good), "9 regions in one request, the limit is 8");
    }

    @Test
    void emptyMasksPassWhenAllowed() {
        ExtractResponse response = extractor.extract(request("s1_img0", List.of(empty(480, 640))).toBuilder().setAllowEmpty(true).build());
        assertThat(response.getAreas(0)).isZero();
        for (float v : TensorMessages.floats(response.getTokens().getMaskTokens(), "mask_tokens", 1, -1)) {
            assertThat(v).isFinite();
        }
    }

    @Test
    void anUnknownImageIsNotFoundAndADownEncoderIsUnavailableByName() {
        Region good = Region.newBuilder().setBox(Box.newBuilder().setWidth(20).setHeight(20)).build();
        assertStatus(request("nope", List.of(good)), Status.Code.NOT_FOUND, "upload the image again");
        ExtractRequest toTheDownEncoder = request("never-fetched", List.of(good)).toBuilder().setEncoderAddress(downEncoder).build();
        assertStatus(toTheDownEncoder, Status.Code.UNAVAILABLE, "encoder-service at " + downEncoder + " is unavailable");
        assertThatThrownBy(() -> extractor.extract(toTheDownEncoder)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(GrpcErrors.fromStatus(e).service()).as("the service named in the ErrorInfo").contains("encoder-service"));
    }

    @Test
    void anEncoderThatIsNotAConfiguredReplicaIsRefusedEvenForCachedFeatures() throws IOException {
        Region good = Region.newBuilder().setBox(Box.newBuilder().setWidth(20).setHeight(20)).build();
        extractor.extract(request("s1_img0", List.of(good)));
        int before = encoder.featureCalls.get();
        try (java.net.ServerSocket elsewhere = new java.net.ServerSocket(0)) {
            for (String imageId : List.of("s1_img0", "nope")) {
                assertStatus(request(imageId, List.of(good)).toBuilder().setEncoderAddress("127.0.0.1:" + elsewhere.getLocalPort()).build(),
                        Status.Code.PERMISSION_DENIED, "encoder_address is not a configured encoder replica");
            }
        }
        assertThat(encoder.featureCalls.get()).isEqualTo(before);
    }

    @Test
    void featuresAreFetchedOncePerImageFromTheNamedEncoderUntilForgotten() {
        Region good = Region.newBuilder().setBox(Box.newBuilder().setWidth(20).setHeight(20)).build();
        ExtractorGrpc.ExtractorBlockingStub stub = extractor;
        stub.forget(ForgetRequest.newBuilder().setImageId("s1_img1").build());
        int before = encoder.featureCalls.get();
        ExtractRequest request = request("s1_img1", List.of(good)).toBuilder().setEncoderAddress(encoder.address()).build();
        ExtractResponse first = stub.extract(request);
        ExtractResponse second = stub.extract(request);
        assertThat(second.toBuilder().clearFeaturesMs().build()).isEqualTo(first.toBuilder().clearFeaturesMs().build());
        assertThat(first.getFeaturesMs()).as("the time the first call waited for the features").isPositive();
        assertThat(encoder.featureCalls.get()).as("GetFeatures calls").isEqualTo(before + 1);
        assertThat(stub.forget(ForgetRequest.newBuilder().setImageId("s1_img1").build()).getForgotten()).isTrue();
        assertThat(stub.forget(ForgetRequest.newBuilder().setImageId("s1_img1").build()).getForgotten()).isFalse();
        stub.extract(request);
        assertThat(encoder.featureCalls.get()).isEqualTo(before + 2);
    }

    @Test
    void anExpiredDeadlineEndsTheCall() {
        Region good = Region.newBuilder().setBox(Box.newBuilder().setWidth(20).setHeight(20)).build();
        assertThatThrownBy(() -> extractor.withDeadlineAfter(1, TimeUnit.NANOSECONDS).extract(request("s1_img0", List.of(good))))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    private static void assertInvalid(List<Region> regions, String message) {
        assertStatus(request("s1_img0", regions), Status.Code.INVALID_ARGUMENT, message);
    }

    private static void assertStatus(ExtractRequest request, Status.Code code, String message) {
        assertThatThrownBy(() -> extractor.extract(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    private static ExtractRequest request(String imageId, List<Region> regions) {
        return ExtractRequest.newBuilder().setImageId(imageId).addAllRegions(regions).build();
    }

    private static Region empty(int height, int width) {
        return Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(height).setWidth(width)
                .setUncompressed(RunLengths.newBuilder().addCounts(height * width))).build();
    }

    private static Region rle(int height, int width, String counts) {
        return Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(height).setWidth(width).setCompressed(counts)).build();
    }

    private static Region region(Format format, JsonNode mask) throws IOException {
        Path inputs = Golden.file("inputs");
        Function<String, Path> file = key -> inputs.resolve(mask.get(key).asString());
        return switch (format) {
            case PNG -> Region.newBuilder().setPng(ByteString.copyFrom(Files.readAllBytes(file.apply("png")))).build();
            case RLE -> {
                JsonNode rle = JSON.readTree(file.apply("rle").toFile());
                yield rle(rle.get("size").get(0).asInt(), rle.get("size").get(1).asInt(), rle.get("counts").asString());
            }
            case RLE_COUNTS -> {
                BinaryMask decoded = MaskFiles.read(file.apply("png"), 1);
                RunLengths.Builder runs = RunLengths.newBuilder();
                for (int run : dev.osprey.model.mask.CocoRle.counts(decoded)) {
                    runs.addCounts(run);
                }
                yield Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(decoded.height()).setWidth(decoded.width())
                        .setUncompressed(runs)).build();
            }
            case POLYGONS -> {
                Polygons.Builder polygons = Polygons.newBuilder();
                for (JsonNode polygon : JSON.readTree(file.apply("polygon").toFile()).get("segmentation")) {
                    Polygon.Builder p = Polygon.newBuilder();
                    polygon.forEach(c -> p.addCoordinates(c.asDouble()));
                    polygons.addPolygons(p);
                }
                yield Region.newBuilder().setPolygons(polygons).build();
            }
        };
    }
}
