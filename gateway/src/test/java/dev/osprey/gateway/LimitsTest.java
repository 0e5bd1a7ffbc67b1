package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.Role;
import dev.osprey.api.v1.Turn;
import dev.osprey.api.v1.UploadImageRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Every limit the README states, at its edge, over REST and gRPC alike, with the default settings:
 * just inside passes the gateway's checks (and meets a backend that is down: 503 / UNAVAILABLE),
 * just outside is refused naming the field and the limit.
 */
@ExtendWith(OutputCaptureExtension.class)
class LimitsTest {

    private static final int MIB = 1 << 20;
    private static final String ID = "ab".repeat(32);

    static ConfigurableApplicationContext app;
    static int port;
    static int managementPort;
    static ManagedChannel channel;
    static RegionServiceGrpc.RegionServiceBlockingStub grpc;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        port = TestPorts.free();
        int grpcPort = TestPorts.free();
        managementPort = TestPorts.free();
        app = SpringApplication.run(GatewayApplication.class, "--server.port=" + port, "--spring.grpc.server.port=" + grpcPort,
                "--management.server.port=" + managementPort,
                "--osprey.gateway.encoders=127.0.0.1:" + TestPorts.free(), "--osprey.gateway.extractors=127.0.0.1:" + TestPorts.free(),
                "--osprey.gateway.llms=127.0.0.1:" + TestPorts.free(), "--osprey.gateway.rate-per-second=0");
        channel = Grpc.newChannelBuilder("127.0.0.1:" + grpcPort, InsecureChannelCredentials.create()).build();
        grpc = RegionServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        app.close();
    }

    @Test
    void jsonBodiesUpTo32MiBAreRead() throws Exception {
        // Six PNG masks of a 3000x2000 image, as base64 of the size that brings the body to the limit.
        String under = sixMasks(32 * MIB);
        assertThat(under).hasSize(32 * MIB);
        assertThat(sixMasks(32 * MIB + 1)).hasSize(32 * MIB + 1);
        assertStatus(chat(under), 503, "extractor-service is unavailable");
        assertStatus(chat(sixMasks(32 * MIB + 1)), 413, "spring.http.codecs.max-in-memory-size");
    }

    @Test
    void imagesUpTo32MiBAreTakenOverRestAndGrpc() throws Exception {
        assertStatus(upload(32 * MIB), 503, "encoder-service is unavailable");
        assertStatus(upload(32 * MIB + 1), 413, "the limit is 33554432 (osprey.gateway.max-image-size)");
        assertGrpc(() -> grpc.uploadImage(UploadImageRequest.newBuilder().setImage(ByteString.copyFrom(new byte[32 * MIB])).build()),
                Status.Code.UNAVAILABLE, "encoder-service is unavailable");
        assertGrpc(() -> grpc.uploadImage(UploadImageRequest.newBuilder().setImage(ByteString.copyFrom(new byte[32 * MIB + 1])).build()),
                Status.Code.INVALID_ARGUMENT, "image: 33554433 bytes, the limit is 33554432 (osprey.gateway.max-image-size)");
    }

    @Test
    void sixteenRegionsFourThousandCharactersSixteenTurnsAnd1024NewTokens() throws Exception {
        assertStatus(chat(question(16, "x", 0, 1024)), 503, "extractor-service is unavailable");
        assertStatus(chat(question(17, "x", 0, 1024)), 400, "regions: 17 regions, the limit is 16");
        assertStatus(chat(question(0, "x".repeat(4000), 16, 1024)), 503, "llm-service is unavailable");
        assertStatus(chat(question(0, "x".repeat(4001), 0, 1024)), 400, "prompt: 4001 characters, the limit is 4000");
        assertStatus(chat(question(0, "x", 17, 1024)), 400, "history: 17 turns, the limit is 16");
        assertStatus(chat(question(0, "x", 0, 1025)), 400, "max_new_tokens: 1025, the limit is 1024");

        assertGrpc(() -> ask(a -> a.addAllRegions(Collections.nCopies(16, box()))), Status.Code.UNAVAILABLE, "extractor-service is unavailable");
        assertGrpc(() -> ask(a -> a.addAllRegions(Collections.nCopies(17, box()))), Status.Code.INVALID_ARGUMENT,
                "regions: 17 regions, the limit is 16");
        Turn turn = Turn.newBuilder().setRole(Role.ROLE_USER).setContent("x".repeat(4000)).build();
        assertGrpc(() -> ask(a -> a.setPrompt("x".repeat(4000)).addAllHistory(Collections.nCopies(16, turn)).setMaxNewTokens(1024)),
                Status.Code.UNAVAILABLE, "llm-service is unavailable");
        assertGrpc(() -> ask(a -> a.setPrompt("x".repeat(4001))), Status.Code.INVALID_ARGUMENT, "prompt: 4001 characters, the limit is 4000");
        assertGrpc(() -> ask(a -> a.addAllHistory(Collections.nCopies(17, turn))), Status.Code.INVALID_ARGUMENT,
                "history: 17 turns, the limit is 16");
        assertGrpc(() -> ask(a -> a.addHistory(turn.toBuilder().setContent("x".repeat(4001)))), Status.Code.INVALID_ARGUMENT,
                "history[0].content: 4001 characters, the limit is 4000");
        assertGrpc(() -> ask(a -> a.setMaxNewTokens(1025)), Status.Code.INVALID_ARGUMENT, "max_new_tokens: 1025, the limit is 1024");
        // uint32: 2^31 must not wrap to a negative int that passes the check.
        assertGrpc(() -> ask(a -> a.setMaxNewTokens(Integer.MIN_VALUE)), Status.Code.INVALID_ARGUMENT,
                "max_new_tokens: 2147483648, the limit is 1024");
        assertGrpc(() -> ask(a -> a.setMaxNewTokens(-1)), Status.Code.INVALID_ARGUMENT, "max_new_tokens: 4294967295, the limit is 1024");
    }

    @Test
    void integersMustBeIntegersAndClassesAreNeverNamed() throws Exception {
        assertStatus(chat("{\"image_id\": \"" + ID + "\", \"prompt\": \"x\", \"max_new_tokens\": 8.5}"), 400,
                "max_new_tokens: expected an integer, got a number with a fraction");
        assertStatus(chat("{\"image_id\": \"" + ID + "\", \"prompt\": \"x\", \"max_new_tokens\": \"8\"}"), 400,
                "max_new_tokens: expected an integer, got a string");
        assertStatus(chat("{\"image_id\": \"" + ID + "\", \"prompt\": \"x\", \"top_k\": 2.0}"), 400, "top_k: expected an integer");
        assertStatus(chat("{\"image_id\": \"" + ID + "\", \"task\": \"short\", \"regions\": [{\"box\": [1, 2, \"3\", 4]}]}"), 400,
                "regions[0].box[2]: expected a number, got a string");
        assertStatus(chat("{\"image_id\": \"" + ID + "\", \"task\": \"short\", \"regions\": {\"box\": [1, 2, 3, 4]}}"), 400,
                "regions: expected a list, got an object");
        assertStatus(chat("[]"), 400, "the body: expected an object, got a list");
    }

    @Test
    void aLoneSurrogateIs400NamingTheFieldInOneLogLine(CapturedOutput output) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v1/chat")).header("Content-Type", "application/json")
                .header("X-Request-Id", "lone-surrogate").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"image_id\": \"" + ID + "\", \"prompt\": \"hi \\ud800 there\"}")).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertStatus(response, 400, "prompt: character 3 is a lone UTF-16 surrogate");
        assertThat(output.getAll().lines().filter(line -> line.contains("lone-surrogate") || line.startsWith("\tat "))).hasSize(1);
    }

    @Test
    void aClientAbortingAnUploadIsOneLineAndNoServerError(CapturedOutput output) throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port, Duration.ofSeconds(60))) {
            connection.send("POST /v1/images HTTP/1.1\r\nHost: gateway\r\nContent-Type: image/png\r\nContent-Length: 1000000\r\n\r\n"
                    + "x".repeat(10_000));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> output.getAll().contains("the client closed the connection"));
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics.lines().filter(line -> line.startsWith("http_server_requests_seconds_count") && line.contains("/v1/images")))
                .anySatisfy(line -> assertThat(line).contains("status=\"499\""))
                .noneSatisfy(line -> assertThat(line).contains("status=\"500\""));
        assertThat(output.getAll()).doesNotContain("AbortedException").doesNotContain(" ERROR ");
    }

    private static String sixMasks(int bodyBytes) {
        String head = "{\"image_id\": \"" + ID + "\", \"task\": \"short\", \"regions\": [";
        String tail = "]}";
        int payload = bodyBytes - head.length() - tail.length() - 6 * "{\"png\": \"\"}".length() - 5 * ", ".length();
        int mask = payload / 6 / 4 * 4; // whole base64 quads
        // JSON whitespace makes up the bytes the quads leave.
        StringBuilder json = new StringBuilder(bodyBytes).append(head).append(" ".repeat(payload - 6 * mask));
        for (int i = 0; i < 6; i++) {
            json.append(i == 0 ? "" : ", ").append("{\"png\": \"").append("A".repeat(mask)).append("\"}");
        }
        return json.append(tail).toString();
    }

    private static String question(int regions, String prompt, int turns, int maxNewTokens) {
        String region = "{\"box\": [1, 2, 3, 4]}";
        String turn = "{\"role\": \"user\", \"content\": \"" + "x".repeat(4000) + "\"}";
        return "{\"image_id\": \"" + ID + "\", " + (regions > 0 ? "\"task\": \"short\"" : "\"prompt\": \"" + prompt + "\"")
                + ", \"regions\": [" + String.join(", ", Collections.nCopies(regions, region)) + "], \"history\": ["
                + String.join(", ", Collections.nCopies(turns, turn)) + "], \"max_new_tokens\": " + maxNewTokens + "}";
    }

    private static Region box() {
        return Region.newBuilder().setBox(Box.newBuilder().setX(1).setY(2).setWidth(3).setHeight(4)).build();
    }

    /** Asks about regions (a task when there are some, else a prompt), as {@code edit} makes the request. */
    private static void ask(UnaryOperator<AskRequest.Builder> edit) {
        AskRequest.Builder request = edit.apply(AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageId(ID)));
        if (!request.hasTask() && !request.hasPrompt()) {
            if (request.getRegionsCount() > 0) {
                request.setTask(dev.osprey.api.v1.Task.TASK_SHORT_DESCRIPTION);
            } else {
                request.setPrompt("x");
            }
        }
        grpc.withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS).ask(request.build()).forEachRemaining(event -> { });
    }

    private static HttpResponse<String> chat(String json) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/v1/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> upload(int bytes) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/v1/images")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertStatus(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).startsWith("{\"error\":{\"code\":").contains(message)
                .doesNotContain("dev.osprey").doesNotContain("java.").doesNotContain("127.0.0.1");
    }

    private static void assertGrpc(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
