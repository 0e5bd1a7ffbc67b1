package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.DeleteImageRequest;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.model.Golden;
import dev.osprey.model.pipeline.ImageId;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.json.JsonMapper;

/**
 * Images belong to the tenant whose key uploaded them: a gateway with the keys of two tenants, alice
 * and bob, in front of the local stack's backends. Another tenant's image is unknown, in the very
 * words used for an id never uploaded, over REST and gRPC, and deleting it removes nothing; the same
 * bytes uploaded by both are two copies. The stack's own gateway, without keys, keeps ids as they were.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantImagesIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ALICE = "alice-key";
    private static final String BOB = "bob-key";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private LocalStack stack;
    private ServiceProcess gateway;
    private ManagedChannel channel;

    @BeforeAll
    void startGatewayWithKeys() throws Exception {
        stack = LocalStack.get();
        gateway = new ServiceProcess("gateway", "gateway-tenants", LocalStack.freePort(), LocalStack.freePort(),
                List.of("--osprey.gateway.rate-per-second=0", "--osprey.gateway.api-keys=alice=" + ALICE + ",bob=" + BOB,
                        "--osprey.gateway.encoders=" + stack.process("encoder-service").grpcAddress(),
                        "--osprey.gateway.extractors=" + stack.process("extractor-service").grpcAddress(),
                        "--osprey.gateway.llms=" + stack.process("llm-service").grpcAddress(), stack.tokenArg));
        gateway.start();
        channel = NettyChannelBuilder.forTarget(gateway.grpcAddress()).usePlaintext().build();
        LocalStack.awaitServing(gateway, channel);
    }

    @AfterAll
    void stop() throws Exception {
        channel.shutdownNow();
        gateway.close();
    }

    @Test
    void anotherTenantsImageIsUnknownInTheWordsOfOneNeverUploadedAndItsDeleteRemovesNothing() throws Exception {
        byte[] image = uniqueImage();
        String id = upload(ALICE, image);
        String never = ImageId.of(uniqueImage());

        HttpResponse<String> othersAsk = ask(gateway.httpPort, BOB, id);
        HttpResponse<String> neverAsk = ask(gateway.httpPort, BOB, never);
        assertThat(othersAsk.statusCode()).isEqualTo(404);
        assertThat(neverAsk.statusCode()).isEqualTo(404);
        assertThat(message(othersAsk, id)).isEqualTo(message(neverAsk, never)).contains("upload the image again");

        HttpResponse<String> othersDelete = delete(BOB, id);
        HttpResponse<String> neverDelete = delete(BOB, never);
        assertThat(othersDelete.statusCode()).isEqualTo(404);
        assertThat(message(othersDelete, id)).isEqualTo(message(neverDelete, never));

        assertThat(ask(gateway.httpPort, ALICE, id).statusCode()).as("alice's image is still there").isEqualTo(200);
        assertThat(delete(ALICE, id).statusCode()).isEqualTo(200);
        assertThat(ask(gateway.httpPort, ALICE, id).statusCode()).isEqualTo(404);
    }

    @Test
    void theSameBytesUploadedByTwoTenantsAreTwoCopies() throws Exception {
        byte[] image = uniqueImage();
        String alices = upload(ALICE, image);
        String bobs = upload(BOB, image);
        assertThat(bobs).as("the public id is the bytes' SHA-256 for everyone").isEqualTo(alices).isEqualTo(ImageId.of(image));

        assertThat(delete(BOB, bobs).statusCode()).isEqualTo(200);
        assertThat(ask(gateway.httpPort, BOB, bobs).statusCode()).isEqualTo(404);
        assertThat(ask(gateway.httpPort, ALICE, alices).statusCode()).as("alice's copy outlives bob's").isEqualTo(200);
    }

    @Test
    void theBackendsHoldAnUploadUnderItsTenantsScopedIdOnly() throws Exception {
        byte[] image = uniqueImage();
        String id = upload(ALICE, image);
        EncoderGrpc.EncoderBlockingStub encoder = EncoderGrpc.newBlockingStub(stack.channel("encoder-service"));
        assertThat(encoder.withDeadlineAfter(30, TimeUnit.SECONDS).getImage(GetImageRequest.newBuilder()
                .setImageId(ImageId.scoped("alice", id)).build()).getImage().toByteArray()).isEqualTo(image);
        assertThatThrownBy(() -> encoder.withDeadlineAfter(30, TimeUnit.SECONDS).getImage(GetImageRequest.newBuilder().setImageId(id).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void overGrpcAnotherTenantsImageIsUnknownAndNotDeleted() throws Exception {
        byte[] image = uniqueImage();
        String id = upload(ALICE, image);
        RegionServiceGrpc.RegionServiceBlockingStub bob = stub(BOB);
        AskRequest question = AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageId(id)).setPrompt("what is this?")
                .setMaxNewTokens(2).build();

        String restMessage = message(ask(gateway.httpPort, BOB, id), id).replace("ID", id);

        assertThatThrownBy(() -> bob.withDeadlineAfter(120, TimeUnit.SECONDS).ask(question).hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo(restMessage);
                });
        assertThat(bob.withDeadlineAfter(60, TimeUnit.SECONDS).deleteImage(DeleteImageRequest.newBuilder().setImageId(id).build())
                .getDeleted()).isFalse();
        List<AnswerEvent> answer = new ArrayList<>();
        stub(ALICE).withDeadlineAfter(120, TimeUnit.SECONDS).ask(question).forEachRemaining(answer::add);
        assertThat(answer).as("alice's image answers").anySatisfy(event -> assertThat(event.hasFinished()).isTrue());
    }

    @Test
    void withoutKeysAnImageIdIsTheSha256OfItsBytesAsBefore() throws Exception {
        byte[] image = uniqueImage();
        HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort
                + "/v1/images")).header("Content-Type", "image/png").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
        String id = JSON.readTree(uploaded.body()).get("image_id").asString();

        assertThat(id).isEqualTo(ImageId.of(image));
        assertThat(EncoderGrpc.newBlockingStub(stack.channel("encoder-service")).withDeadlineAfter(30, TimeUnit.SECONDS)
                .getImage(GetImageRequest.newBuilder().setImageId(id).build()).getImage().toByteArray()).isEqualTo(image);
        assertThat(ask(stack.process("gateway").httpPort, null, id).statusCode()).isEqualTo(200);
    }

    private static byte[] uniqueImage() throws Exception {
        return PngVariants.withText(Files.readAllBytes(Golden.file("inputs/images/s1_img0.png")), "tenant test " + UUID.randomUUID());
    }

    private String upload(String key, byte[] image) throws Exception {
        HttpResponse<String> response = http.send(request("/v1/images", key).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("image_id").asString();
    }

    private HttpResponse<String> ask(int port, String key, String imageId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"image_id\": \"" + imageId + "\", \"prompt\": \"what is this?\", "
                        + "\"temperature\": 0, \"max_new_tokens\": 2}"));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> delete(String key, String imageId) throws Exception {
        return http.send(request("/v1/images/" + imageId, key).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String key) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort + path)).timeout(Duration.ofSeconds(120))
                .header("X-API-Key", key);
    }

    /** The error message of {@code response}, with {@code imageId} written as ID. */
    private static String message(HttpResponse<String> response, String imageId) {
        return JSON.readTree(response.body()).get("error").get("message").asString().replace(imageId, "ID");
    }

    private RegionServiceGrpc.RegionServiceBlockingStub stub(String key) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        return RegionServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
