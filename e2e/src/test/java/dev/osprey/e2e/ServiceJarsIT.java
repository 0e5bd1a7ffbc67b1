package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.LlmGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each service's packaged jar starts with {@code java -jar} on free loopback ports, answers the
 * standard gRPC health check, lists its services through reflection, reports Actuator health and
 * readiness and serves Prometheus metrics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceJarsIT {

    /** Service jar name -> the gRPC service it must expose. */
    private static final Map<String, String> SERVICES = Map.of(
            "encoder-service", "osprey.internal.v1.Encoder",
            "extractor-service", "osprey.internal.v1.Extractor",
            "llm-service", "osprey.internal.v1.Llm",
            "gateway", "osprey.v1.RegionService");

    /**
     * Each call's bound: generous, because the machine may be busy with other builds (a first call into a
     * JVM under load took over 5 s once); a service that does not answer at all still fails within it.
     */
    private static final Duration CALL = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CALL).build();
    private LocalStack stack;

    @BeforeAll
    void startStack() throws Exception {
        stack = LocalStack.get();
    }

    @ParameterizedTest
    @ValueSource(strings = {"encoder-service", "extractor-service", "llm-service", "gateway"})
    void jarStartsAndAnswersGrpcHealthCheck(String name) {
        HealthCheckResponse overall = HealthGrpc.newBlockingStub(stack.channel(name)).withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertThat(overall.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"encoder-service", "extractor-service", "llm-service", "gateway"})
    void reflectionListsTheServiceContract(String name) {
        assertThat(listServices(stack.channel(name)))
                .contains(SERVICES.get(name), "grpc.health.v1.Health");
    }

    @ParameterizedTest
    @ValueSource(strings = {"encoder-service", "extractor-service", "llm-service", "gateway"})
    void actuatorReportsHealthReadinessAndPrometheusMetrics(String name) throws Exception {
        int port = stack.process(name).actuatorPort;

        assertThat(get(port, "/actuator/health")).contains("\"status\":\"UP\"");
        assertThat(get(port, "/actuator/health/readiness")).contains("\"status\":\"UP\"");
        assertThat(get(port, "/actuator/health/liveness")).contains("\"status\":\"UP\"");
        assertThat(get(port, "/actuator/prometheus")).contains("jvm_memory_used_bytes").contains("service=\"" + name + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"encoder-service", "extractor-service", "llm-service", "gateway"})
    void modelRpcsRefuseAnEmptyRequest(String name) {
        ManagedChannel channel = stack.channel(name);
        Consumer<ManagedChannel> call = switch (name) {
            case "encoder-service" -> c -> EncoderGrpc.newBlockingStub(c).withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS)
                    .encode(EncodeRequest.getDefaultInstance());
            case "extractor-service" -> c -> ExtractorGrpc.newBlockingStub(c).withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS)
                    .extract(ExtractRequest.getDefaultInstance());
            case "llm-service" -> c -> LlmGrpc.newBlockingStub(c).withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS)
                    .generate(GenerateRequest.getDefaultInstance()).hasNext();
            default -> c -> RegionServiceGrpc.newBlockingStub(c).withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS)
                    .ask(AskRequest.getDefaultInstance()).hasNext();
        };
        assertThatThrownBy(() -> call.accept(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    /** The body of {@code path} once it answers 200 (a probe may lag the gRPC health the stack waited for). */
    private String get(int port, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(CALL).build();
        return await("GET " + path + " answers 200").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> http.send(request, HttpResponse.BodyHandlers.ofString()), response -> response.statusCode() == 200).body();
    }

    private static List<String> listServices(ManagedChannel channel) {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        List<String> found = new ArrayList<>();
                        for (ServiceResponse service : response.getListServicesResponse().getServiceList()) {
                            found.add(service.getName());
                        }
                        names.complete(found);
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        names.complete(List.of());
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        return names.join();
    }
}
