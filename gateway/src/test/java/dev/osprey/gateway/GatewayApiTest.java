package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.DescribeAllRequest;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.SegmentRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The REST API's contract where no backend is needed to check it: field errors, body limits, keys,
 * the error body and request id, the OpenAPI document, and 503 naming a backend that is down.
 */
class GatewayApiTest {

    static ConfigurableApplicationContext app;
    static int port;
    static int grpcPort;
    static int managementPort;
    static int deadEncoder;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        port = TestPorts.free();
        grpcPort = TestPorts.free();
        managementPort = TestPorts.free();
        deadEncoder = TestPorts.free();
        app = SpringApplication.run(GatewayApplication.class, "--server.port=" + port, "--spring.grpc.server.port=" + grpcPort,
                "--management.server.port=" + managementPort,
                "--osprey.gateway.encoders=127.0.0.1:" + deadEncoder, "--osprey.gateway.api-keys=secret",
                "--osprey.gateway.max-image-size=1KB", "--osprey.gateway.rate-per-second=1000", "--osprey.gateway.limits.max-regions=2",
                "--osprey.gateway.limits.max-prompt-chars=20");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void withoutAValidKeyTheApiAnswers401() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/chat")).POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json"));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("\"code\":\"unauthenticated\"").contains("an API key is required");
    }

    @Test
    void theDemoPageStaysOpenWhenKeysAreRequired() throws Exception {
        HttpResponse<String> page = send(HttpRequest.newBuilder(uri("/")));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<title>");
    }

    @Test
    void actuatorIsServedOnTheManagementPortOnlyAndNeedsNoKeyThere() throws Exception {
        HttpResponse<String> metrics = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus")));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        assertThat(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/readiness"))).body())
                .contains("\"status\":\"UP\"");
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/prometheus"))).statusCode()).as("no key on the public port").isEqualTo(401);
        for (String path : new String[] {"/actuator", "/actuator/prometheus", "/actuator/health"}) {
            assertError(send(HttpRequest.newBuilder(uri(path)).header("X-API-Key", "secret")), 404, "\"code\":\"not_found\"");
        }
    }

    @Test
    void badJsonNamesTheField() throws Exception {
        assertError(chat("{\"image_id\": \"x\", \"task\": \"short\", \"temprature\": 1}"), 400, "temprature");
        assertError(chat("{\"image_id\": \"" + "a".repeat(64) + "\", \"task\": \"poem\", \"regions\": [{\"box\": [1, 2, 3, 4]}]}"), 400,
                "task: unknown task 'poem'; use short, detailed or category");
        assertError(chat("{\"image_id\": \"" + "a".repeat(64) + "\", \"task\": \"short\", \"regions\": [{\"box\": [1, 2, 3]}]}"), 400,
                "regions[0].box: expected [x, y, width, height]");
        assertError(chat("{\"image_id\": \"" + "a".repeat(64) + "\", \"task\": \"short\", \"prompt\": \"hi\"}"), 400,
                "give exactly one of task");
        assertError(chat("{\"image_id\": \"not-an-id\", \"prompt\": \"hi\"}"), 400, "image_id: 'not-an-id' is not an id");
        assertError(chat("{\"image_id\": \"" + "a".repeat(64) + "\", \"task\": \"short\", \"regions\": "
                + "[{\"rle\": {\"size\": [2, 2], \"counts\": [4]}}], \"temperature\": -1}"), 400, "temperature must be >= 0");
        assertError(chat("not json"), 400, "request body");
        assertError(chat("{\"image_id\": \"" + "a".repeat(64) + "\", \"task\": \"short\", \"regions\": [{\"box\": [1, 2, 3, 4]}, "
                + "{\"box\": [1, 2, 3, 4]}, {\"box\": [1, 2, 3, 4]}]}"), 400, "regions: 3 regions, the limit is 2");
        assertError(chat("{\"image_id\": \"" + "a".repeat(64) + "\", \"prompt\": \"" + "x".repeat(21) + "\"}"), 400,
                "prompt: 21 characters, the limit is 20");
        assertError(chat("{\"image_id\": \"" + "a".repeat(64) + "\", \"task\": \"short\", \"regions\": [{\"points\": [[1, 2, 1]], "
                + "\"segmet\": true}]}"), 400, "unknown field 'regions[0].segmet'");
        assertError(post("/v1/segment", "{\"image_id\": \"" + "a".repeat(64) + "\", \"points\": [[1, 2, 1, 0]]}"), 400,
                "points[0]: expected [x, y, label]");
        assertError(post("/v1/segment", "{\"image_id\": \"" + "a".repeat(64) + "\", \"points\": [[1, 2, 1]], \"box\": [1, 2]}"), 400,
                "box: expected [x, y, width, height]");
        assertError(post("/v1/segment", "{\"image_id\": \"" + "a".repeat(64) + "\", \"points\": [" + "[1, 2, 1], ".repeat(16) + "[1, 2, 1]]}"),
                400, "points: 17 points, the limit is 16");
        assertError(post("/v1/describe-all", "{\"image_id\": \"" + "a".repeat(64) + "\", \"params\": {\"points_per_side\": 8.5}}"), 400,
                "params.points_per_side: expected an integer");
        assertError(post("/v1/describe-all", "{\"image_id\": \"" + "a".repeat(64) + "\", \"params\": {\"output_mode\": \"binary_mask\"}}"),
                400, "unknown field 'params.output_mode'");
        assertError(post("/v1/describe-all", "{\"image_id\": \"" + "a".repeat(64) + "\", \"max_new_tokens\": 2000}"), 400,
                "max_new_tokens: 2000, the limit is 1024");
    }

    @Test
    void aBodyOverTheLimitIs413AndABackendThatIsDownIs503ByName() throws Exception {
        assertError(send(HttpRequest.newBuilder(uri("/v1/images")).header("Authorization", "Bearer secret").header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[200_000]))), 413, "the image is 200000 bytes, the limit is 1024");
        HttpResponse<String> down = send(HttpRequest.newBuilder(uri("/v1/images")).header("Authorization", "Bearer secret")
                .header("Content-Type", "image/png").header("X-Request-Id", "req-42").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])));
        assertError(down, 503, "encoder-service is unavailable");
        assertThat(down.body()).doesNotContain(String.valueOf(deadEncoder));
        assertThat(down.headers().firstValue("X-Request-Id")).contains("req-42");
        assertThat(down.body()).contains("\"request_id\":\"req-42\"");
    }

    @Test
    void grpcCallsNeedTheKeyToAndCarryTheirRequestId() {
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + grpcPort, InsecureChannelCredentials.create())
                .build();
        try {
            Metadata.Key<String> requestId = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
            Metadata headers = new Metadata();
            headers.put(requestId, "grpc-7");
            var stub = RegionServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            assertThatThrownBy(() -> stub.ask(AskRequest.getDefaultInstance()).hasNext())
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> stub.segment(SegmentRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), "secret");
            var keyed = RegionServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            assertThatThrownBy(() -> keyed.ask(AskRequest.getDefaultInstance()).hasNext())
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith("image: give an image_id");
                        assertThat(e.getTrailers().get(requestId)).isEqualTo("grpc-7");
                    });
            assertThatThrownBy(() -> keyed.segment(SegmentRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isEqualTo("give points [[x, y, 1|0], ...], a box, or both");
                    });
            assertThatThrownBy(() -> keyed.describeAll(DescribeAllRequest.getDefaultInstance()).hasNext())
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith("image: give an image_id");
                    });
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void theOpenApiDocumentDescribesTheApi() throws Exception {
        HttpResponse<String> docs = send(HttpRequest.newBuilder(uri("/v3/api-docs")));
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.body()).contains("/v1/chat").contains("/v1/images").contains("max_new_tokens").contains("finish_reason")
                .contains("/v1/segment").contains("/v1/describe-all").contains("points_per_side").contains("stability_score")
                .contains("/v1/chat/completions").contains("/v1/models").contains("max_completion_tokens");
        assertThat(send(HttpRequest.newBuilder(uri("/docs"))).statusCode()).isIn(200, 302);
    }

    private static HttpResponse<String> chat(String json) throws Exception {
        return post("/v1/chat", json);
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer secret").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(response.body()).startsWith("{\"error\":{\"code\":").contains(message).doesNotContain("Exception");
        assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
