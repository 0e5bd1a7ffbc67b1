package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.service.InternalToken;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

/**
 * The Spring shell as it runs: the model loads at startup, Generate answers over a real gRPC port to
 * callers with the internal token (and to no one else), health and metrics are exposed, shutdown drains or cuts running streams, and a wrong bundle stops
 * startup with a message that says what to fix.
 */
@ExtendWith(OutputCaptureExtension.class)
class LlmApplicationTest {

    private static final String TOKEN = "llm-test-internal-token-0123456789";

    GoldenImage image = GoldenImage.read("s1_img1");
    Server encoder;
    ManagedChannel channel;

    @BeforeEach
    void startEncoder() throws IOException {
        encoder = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new GoldenEncoder(image)).build().start();
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        encoder.shutdownNow();
    }

    @Test
    void startsReadyWithTheModelLoadedAnswersOverGrpcAndExposesHealthAndMetrics() throws Exception {
        try (ConfigurableApplicationContext context = start()) {
            assertThat(context.getBean(ApplicationAvailability.class).getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
            await().atMost(Duration.ofMinutes(2)).until(() -> HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance())
                    .getStatus() == HealthCheckResponse.ServingStatus.SERVING);

            Streamed streamed = Streamed.collect(stub().generate(request(Task.TASK_CATEGORY, 8)));
            assertThat(streamed.finished).hasSize(image.regions());
            assertThat(streamed.outputIds(0)).hasSize(8);
            assertUnauthenticatedCallsAreRefused(context);

            String metrics = get(context, "/actuator/prometheus");
            assertThat(metrics).contains("osprey_generate_ttft_seconds_count", "osprey_generate_inter_token_seconds_bucket",
                    "osprey_generate_tokens_total{phase=\"decode\"", "osprey_cache_requests_total{cache=\"prefix\",result=\"miss\"",
                    "osprey_queue_depth{queue=\"generate\"", "osprey_generate_sequences_active", "osprey_decoder_runs_total",
                    "osprey_queue_depth{queue=\"warm_up\"", "osprey_warm_up_running", "osprey_warm_up_done_total{result=\"computed\"",
                    "osprey_warm_up_dropped_total{reason=\"full\"");
        }
    }

    @Test
    void withTritonTheServiceIsReadyOnlyWhileTritonServesTheEngine() throws Exception {
        OnnxTrtllmServer triton = new OnnxTrtllmServer(TinyBundle.open(), "FP32");
        boolean stopped = false;
        try (ConfigurableApplicationContext context = start("--osprey.llm.backend=triton-trtllm",
                "--osprey.llm.triton.address=" + triton.address())) {
            await().atMost(Duration.ofMinutes(1)).until(() -> get(context, "/actuator/health/readiness").contains("\"UP\""));
            triton.close();
            stopped = true;
            await().atMost(Duration.ofMinutes(1)).until(() -> get(context, "/actuator/health/readiness").contains("\"DOWN\""));
            await().atMost(Duration.ofMinutes(1)).until(() -> HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance())
                    .getStatus() == HealthCheckResponse.ServingStatus.NOT_SERVING);
        } finally {
            if (!stopped) {
                triton.close();
            }
        }
    }

    @Test
    void shutdownLetsARunningGenerationFinishWithinTheGracePeriod() throws Exception {
        ConfigurableApplicationContext context = start();
        Iterator<AnswerEvent> events = stub().generate(request(Task.TASK_SHORT_DESCRIPTION, 300));
        assertThat(events.next().hasPiece()).isTrue();
        CompletableFuture<Streamed> rest = CompletableFuture.supplyAsync(() -> Streamed.collect(events));
        context.close();
        // Longer than the 60 s grace period: the drain itself, not this wait, decides the outcome.
        Streamed streamed = rest.get(2, TimeUnit.MINUTES);
        assertThat(streamed.finished).as("every region's answer finished").hasSize(image.regions());
        assertThat(streamed.finished.values()).allSatisfy(f -> assertThat(f.getReason()).isIn(FinishReason.FINISH_REASON_LENGTH,
                FinishReason.FINISH_REASON_STOP));
    }

    @Test
    void shutdownCutsAGenerationThatOutlastsTheGracePeriod() throws Exception {
        ConfigurableApplicationContext context = start("--spring.grpc.server.shutdown-grace-period=200ms");
        Iterator<AnswerEvent> events = stub().generate(request(Task.TASK_SHORT_DESCRIPTION, 900).toBuilder()
                .setSampling(Sampling.newBuilder().setTemperature(1).setTopK(0).setSeed(3)).build());
        assertThat(events.next().hasPiece()).isTrue();
        List<AnswerEvent> rest = new ArrayList<>();
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> events.forEachRemaining(rest::add));
        long start = System.nanoTime();
        context.close();
        // Well under the default 60 s grace period, with room for a busy machine: the 200 ms one applied.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("shutdown time").isLessThan(Duration.ofSeconds(45));
        assertThatThrownBy(() -> drained.get(1, TimeUnit.MINUTES)).hasCauseInstanceOf(StatusRuntimeException.class)
                .cause().satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
                        .isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED));
        assertThat(rest).noneMatch(AnswerEvent::hasFinished);
    }

    @Test
    void aWrongBundlePathStopsStartupSayingWhatToFix(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(LlmApplication.class).run("--osprey.model.bundle=/nonexistent/bundle",
                "--server.port=0", "--spring.grpc.server.port=0")).isInstanceOf(Exception.class);
        assertThat(output).contains("The model bundle could not be opened: osprey.model.bundle=/nonexistent/bundle",
                "Point osprey.model.bundle at a folder written by `osprey convert`");
    }

    private void assertUnauthenticatedCallsAreRefused(ConfigurableApplicationContext context) {
        ManagedChannel bare = Grpc.newChannelBuilder("127.0.0.1:" + context.getBean(GrpcServerLifecycle.class).getPort(),
                InsecureChannelCredentials.create()).build();
        try {
            LlmGrpc.LlmBlockingStub stub = LlmGrpc.newBlockingStub(bare);
            for (Runnable call : List.<Runnable>of(() -> stub.generate(request(Task.TASK_CATEGORY, 8)).hasNext(),
                    () -> stub.forget(ForgetRequest.newBuilder().setImageId(image.imageId()).build()))) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("internal token missing");
                });
            }
            assertThat(HealthGrpc.newBlockingStub(bare).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        } finally {
            bare.shutdownNow();
        }
    }

    private ConfigurableApplicationContext start(String... more) {
        List<String> args = new ArrayList<>(List.of("--osprey.model.bundle=" + TinyBundle.dir(), "--osprey.model.threads=1",
                "--osprey.internal.token=" + TOKEN,
                "--server.port=0", "--spring.grpc.server.port=0", "--osprey.encoder-client.address=127.0.0.1:" + encoder.getPort()));
        args.addAll(List.of(more));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(LlmApplication.class).run(args.toArray(String[]::new));
        int port = context.getBean(GrpcServerLifecycle.class).getPort();
        channel = Grpc.newChannelBuilder("127.0.0.1:" + port, CompositeChannelCredentials.create(InsecureChannelCredentials.create(),
                InternalToken.of(TOKEN).callCredentials())).build();
        return context;
    }

    private LlmGrpc.LlmBlockingStub stub() {
        return LlmGrpc.newBlockingStub(channel);
    }

    private GenerateRequest request(Task task, int maxNewTokens) {
        return GenerateRequest.newBuilder().setImageId(image.imageId()).setRegionTokens(image.regionTokens()).setTask(task)
                .setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(maxNewTokens).build();
    }

    private static String get(ConfigurableApplicationContext context, String path) throws Exception {
        String port = context.getEnvironment().getProperty("local.server.port");
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }
}
