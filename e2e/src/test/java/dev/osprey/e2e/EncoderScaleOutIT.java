package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Scaling the encoders out: an image uploaded while one encoder served it is, after a second encoder
 * joins, owned by the new one (for images that hash to it). A second gateway that knows both
 * encoders answers a question about such an image: the new owner takes the upload over from the old
 * one instead of answering "upload the image again", and the answer is the one the first gateway gives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncoderScaleOutIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private LocalStack stack;
    private ServiceProcess encoder2;
    private ServiceProcess gateway2;
    private ManagedChannel encoder2Channel;
    private ManagedChannel gateway2Channel;

    /**
     * The second encoder's upload folder: its own, so that only the take-over can give it the first's
     * uploads. Static: an instance field is injected only after {@code @BeforeAll} has started the
     * encoder, which then wrote into a folder named "null".
     */
    @TempDir
    static Path encoder2Uploads;

    @BeforeAll
    void startSecondEncoderAndGateway() throws Exception {
        stack = LocalStack.get();
        encoder2 = new ServiceProcess("encoder-service", "encoder-service-2", LocalStack.freePort(), stack.spareEncoderGrpcPort,
                List.of("--osprey.model.bundle=" + TinyBundle.withSamDir(), "--osprey.encoder.feature-cache-size=64MB",
                        "--osprey.encoder.image-store-size=64MB", "--osprey.encoder.uploads.dir=" + encoder2Uploads, stack.tokenArg));
        gateway2 = new ServiceProcess("gateway", "gateway-2", LocalStack.freePort(), LocalStack.freePort(),
                List.of("--osprey.gateway.rate-per-second=0", stack.tokenArg,
                        "--osprey.gateway.encoders=" + stack.process("encoder-service").grpcAddress() + "," + encoder2.grpcAddress(),
                        "--osprey.gateway.extractors=" + stack.process("extractor-service").grpcAddress(),
                        "--osprey.gateway.llms=" + stack.process("llm-service").grpcAddress()));
        encoder2.start();
        gateway2.start();
        encoder2Channel = NettyChannelBuilder.forTarget(encoder2.grpcAddress()).usePlaintext().build();
        gateway2Channel = NettyChannelBuilder.forTarget(gateway2.grpcAddress()).usePlaintext().build();
        LocalStack.awaitServing(encoder2, encoder2Channel);
        LocalStack.awaitServing(gateway2, gateway2Channel);
    }

    @AfterAll
    void stop() throws Exception {
        encoder2Channel.shutdownNow();
        gateway2Channel.shutdownNow();
        gateway2.close();
        encoder2.close();
    }

    @Test
    void theNewOwnerTakesAnImageOverFromTheOldOne() throws Exception {
        byte[] image = imageOwnedBy(encoder2.grpcAddress(), List.of(stack.process("encoder-service").grpcAddress(), encoder2.grpcAddress()));
        String imageId = JSON.readTree(post(stack.process("gateway").httpPort, "/v1/images", "image/png", image)).get("image_id").asString();
        String question = "{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"temperature\": 0, \"max_new_tokens\": 6, "
                + "\"regions\": [{\"box\": [100, 120, 200, 150]}]}";
        // Asked first through the gateway that knows both encoders: no cache downstream holds anything of the image yet.
        JsonNode after = JSON.readTree(post(gateway2.httpPort, "/v1/chat", "application/json", question.getBytes(StandardCharsets.UTF_8)));
        JsonNode before = JSON.readTree(post(stack.process("gateway").httpPort, "/v1/chat", "application/json",
                question.getBytes(StandardCharsets.UTF_8)));

        assertThat(after.get("output_ids")).isEqualTo(before.get("output_ids"));
        assertThat(metric(encoder2, "osprey_encode_images_total")).as("images the new owner encoded").isPositive();
    }

    /**
     * The golden image, given a different text chunk until its id hashes to {@code owner} among
     * {@code replicas} (rendezvous hashing as the gateway does it: the largest first 8 bytes, unsigned,
     * of SHA-256(replica, 0, image id)). The pixels stay the same.
     */
    private static byte[] imageOwnedBy(String owner, List<String> replicas) throws Exception {
        byte[] png = Files.readAllBytes(Golden.file("inputs/images/s1_img0.png"));
        for (int variant = 0; variant < 1000; variant++) {
            byte[] candidate = PngVariants.withText(png, "variant " + variant);
            String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(candidate));
            String best = null;
            long bestScore = 0;
            for (String replica : replicas) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(replica.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                long score = ByteBuffer.wrap(sha.digest(id.getBytes(StandardCharsets.UTF_8))).getLong();
                if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
                    best = replica;
                    bestScore = score;
                }
            }
            if (best.equals(owner)) {
                return candidate;
            }
        }
        throw new AssertionError("no variant hashes to " + owner);
    }

    private String post(int port, String path, String type, byte[] body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", type).timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        return response.body();
    }

    private static double metric(ServiceProcess service, String name) throws Exception {
        return Prometheus.scrape(service).sumOrZero(name);
    }
}
