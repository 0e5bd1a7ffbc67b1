package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.StageTimings;
import dev.osprey.api.v1.Task;
import dev.osprey.e2e.OtlpReceiver.Span;
import dev.osprey.model.Golden;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Traces across the four services as processes, exported over OTLP/HTTP to an endpoint this test runs:
 * a question is one trace from the gateway through the extractor, the encoder and the llm-service, each
 * hop a child of the call that made it, with the stage spans and their attributes; an upload's trace
 * holds the image's decode, preprocess and vision spans and, later, the llm-service's warm-up of the
 * image; a question over gRPC that carries its image holds every stage; an error body names its
 * request's trace, and so do the logs; health checks and scrapes make no spans. The client starts each trace itself (a W3C traceparent
 * header), so the test knows its id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofMinutes(2);
    private static final Set<String> SERVICES = Set.copyOf(LocalStack.SERVICES);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private OtlpReceiver receiver;
    private LocalStack stack;
    private byte[] png;

    @BeforeAll
    void startStack() throws Exception {
        receiver = new OtlpReceiver();
        stack = LocalStack.startOwn("tracing-", List.of("--osprey.gateway.rate-per-second=0"),
                List.of("--management.opentelemetry.tracing.export.otlp.endpoint=" + receiver.endpoint(),
                        // Batches leave every 200 ms instead of 5 s, so the test waits less.
                        "--management.opentelemetry.tracing.export.schedule-delay=200ms"));
        png = Files.readAllBytes(Golden.file("inputs/images/s1_img0.png"));
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void aQuestionIsOneTraceThroughTheFourServices() throws Exception {
        String imageId = upload(traceparent(newTraceId(), newSpanId()), "tracing question");
        String traceId = newTraceId();
        String clientSpan = newSpanId();
        HttpResponse<String> answer = post("/v1/chat", traceparent(traceId, clientSpan), "{\"image_id\": \"" + imageId
                + "\", \"task\": \"short\", \"regions\": [{\"box\": [10, 10, 50, 50]}], \"max_new_tokens\": 8, \"temperature\": 0}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode timings = JSON.readTree(answer.body()).get("usage").get("timings");
        for (String stage : List.of("queue_ms", "encode_ms", "extract_ms", "prefill_ms", "decode_ms")) {
            assertThat(timings.get(stage).isNumber()).as(stage + " in " + timings).isTrue();
        }
        assertThat(timings.get("prefill_ms").asDouble()).as("prefill").isPositive();
        assertThat(answer.headers().firstValue("Server-Timing")).get().asString()
                .contains("queue;dur=", "encode;dur=", "extract;dur=", "prefill;dur=", "decode;dur=");

        List<Span> trace = awaitTrace(traceId, spans -> services(spans).equals(SERVICES) && has(spans, "llm-service", "decode-loop")
                && has(spans, "extractor-service", "extract") && spans.stream().anyMatch(s -> s.service().equals("gateway") && s.kind().equals("SERVER")));
        Span root = only(trace, s -> s.service().equals("gateway") && s.kind().equals("SERVER"));
        assertThat(root.parentId()).as("the gateway continues the client's trace").isEqualTo(clientSpan);
        assertCallTree(trace, root);

        Span generate = serverSpanIn(trace, "llm-service", root);
        Span prefill = childNamed(trace, generate, "prefill");
        assertThat(Long.parseLong(prefill.attributes().get("osprey.prompt_tokens"))).as(prefill.toString()).isPositive();
        assertThat(prefill.attributes()).containsKeys("osprey.cached_prompt_tokens", "osprey.prefix_cache.hit");
        Span decodeLoop = childNamed(trace, generate, "decode-loop");
        assertThat(Long.parseLong(decodeLoop.attributes().get("osprey.completion_tokens"))).as(decodeLoop.toString()).isPositive();
        childNamed(trace, generate, "queue");

        Span extract = childNamed(trace, serverSpanIn(trace, "extractor-service", root), "extract");
        assertThat(extract.attributes()).as("a new image's features were not kept by the extractor")
                .containsEntry("osprey.feature_cache.hit", "false");
        Span features = only(trace, s -> s.service().equals("encoder-service") && s.kind().equals("SERVER"));
        assertThat(parentOf(trace, parentOf(trace, features))).as("the encoder's GetFeatures is the extractor's call")
                .matches(s -> s.service().equals("extractor-service") && s.kind().equals("SERVER"), "the extractor's call");
        assertThat(features.attributes()).containsEntry("osprey.feature_cache.hit", "true");
    }

    @Test
    void aGrpcQuestionWithTheImageIsOneTraceWithEveryStage() throws Exception {
        String traceId = newTraceId();
        String clientSpan = newSpanId();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), traceparent(traceId, clientSpan));
        RegionServiceGrpc.RegionServiceBlockingStub gateway = RegionServiceGrpc.newBlockingStub(stack.channel("gateway"))
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).withDeadlineAfter(2, TimeUnit.MINUTES);
        List<AnswerEvent> events = new ArrayList<>();
        gateway.ask(AskRequest.newBuilder()
                .setImage(ImageRef.newBuilder().setImageBytes(ByteString.copyFrom(PngVariants.withText(png, "tracing grpc question"))))
                .addRegions(Region.newBuilder().setBox(Box.newBuilder().setX(10).setY(10).setWidth(40).setHeight(40)))
                .setTask(Task.TASK_SHORT_DESCRIPTION).setMaxNewTokens(8).setSampling(Sampling.newBuilder().setGreedy(true)).build())
                .forEachRemaining(events::add);
        StageTimings timings = events.getLast().getFinished().getUsage().getTimings();
        assertThat(timings.getEncodeMs()).as("the image was encoded for this question: %s", timings).isPositive();
        assertThat(timings.getPrefillMs()).as("%s", timings).isPositive();

        // The encoder answers three calls: the gateway's Encode, the extractor's GetFeatures and llm-service's GetImageTokens.
        List<Span> trace = awaitTrace(traceId, spans -> services(spans).equals(SERVICES) && has(spans, "llm-service", "decode-loop")
                && has(spans, "encoder-service", "vision") && has(spans, "extractor-service", "extract")
                && spans.stream().filter(s -> s.service().equals("encoder-service") && s.kind().equals("SERVER")).count() == 3
                && spans.stream().anyMatch(s -> s.service().equals("gateway") && s.kind().equals("SERVER")));
        Span root = only(trace, s -> s.service().equals("gateway") && s.kind().equals("SERVER"));
        assertThat(root.parentId()).isEqualTo(clientSpan);
        assertCallTree(trace, root);
        Span encode = serverSpanIn(trace, "encoder-service", root);
        for (String stage : List.of("image-decode", "preprocess", "vision")) {
            childNamed(trace, encode, stage);
        }
        childNamed(trace, serverSpanIn(trace, "extractor-service", root), "extract");
        Span generate = serverSpanIn(trace, "llm-service", root);
        for (String stage : List.of("queue", "prefill", "decode-loop")) {
            childNamed(trace, generate, stage);
        }
        Span fetch = only(trace, s -> s.service().equals("llm-service") && s.kind().equals("CLIENT"));
        assertThat(fetch.parentId()).as("the worker that generates fetches the image tokens in the call's trace").isEqualTo(generate.spanId());
    }

    @Test
    void anUploadsTraceHoldsTheImagesEncodingAndItsWarmUp() throws Exception {
        String traceId = newTraceId();
        String clientSpan = newSpanId();
        upload(traceparent(traceId, clientSpan), "tracing upload");

        List<Span> trace = awaitTrace(traceId, spans -> has(spans, "llm-service", "warm-up") && has(spans, "encoder-service", "vision")
                && spans.stream().filter(s -> s.service().equals("encoder-service") && s.kind().equals("SERVER")).count() == 2
                && spans.stream().anyMatch(s -> s.service().equals("gateway") && s.kind().equals("SERVER")));
        Span root = only(trace, s -> s.service().equals("gateway") && s.kind().equals("SERVER"));
        assertThat(root.parentId()).isEqualTo(clientSpan);
        assertCallTree(trace, root);

        Span encode = trace.stream().filter(s -> s.service().equals("encoder-service") && s.kind().equals("SERVER")
                && parentOf(trace, s).service().equals("gateway")).findFirst().orElseThrow();
        assertThat(encode.attributes()).containsEntry("osprey.feature_cache.hit", "false");
        for (String stage : List.of("image-decode", "preprocess", "vision")) {
            childNamed(trace, encode, stage);
        }
        Span warmUp = only(trace, s -> s.name().equals("warm-up"));
        Span warm = parentOf(trace, warmUp);
        assertThat(warm).as("the warm-up runs under the llm-service's Warm call").matches(s -> s.service().equals("llm-service")
                && s.kind().equals("SERVER"), "llm-service's Warm call");
        assertThat(parentOf(trace, parentOf(trace, warm))).isEqualTo(root);
        assertThat(trace).as("the warm-up fetched the image tokens from the encoder in the upload's trace").anyMatch(s -> s.service()
                .equals("encoder-service") && s.kind().equals("SERVER") && parentOf(trace, s).parentId().equals(warmUp.spanId()));
    }

    @Test
    void anErrorBodyNamesItsTraceAndTheLogsCarryIt() throws Exception {
        HttpResponse<String> missing = post("/v1/chat", null, "{\"image_id\": \"" + "ab".repeat(32)
                + "\", \"task\": \"short\", \"regions\": [{\"box\": [10, 10, 50, 50]}]}");
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
        String traceId = JSON.readTree(missing.body()).get("error").get("trace_id").asString();
        assertThat(traceId).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));

        List<Span> trace = awaitTrace(traceId, spans -> spans.stream().anyMatch(s -> s.service().equals("gateway") && s.kind().equals("SERVER")));
        Span root = only(trace, s -> s.service().equals("gateway") && s.kind().equals("SERVER"));
        assertThat(root.parentId()).as("a request without traceparent starts its trace at the gateway").isEmpty();
        assertCallTree(trace, root);
        await("the trace id in the gateway's log").atMost(PATIENCE)
                .until(() -> Files.readString(stack.process("gateway").log).contains(traceId));

        // The OpenAI-compatible route's errors, in OpenAI's shape, name theirs too.
        HttpResponse<String> unsupported = post("/v1/chat/completions", null, "{\"model\": \"osprey-7b\", \"n\": 2, \"messages\": "
                + "[{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(unsupported.statusCode()).as(unsupported.body()).isEqualTo(400);
        String openAiTraceId = JSON.readTree(unsupported.body()).get("error").get("trace_id").asString();
        assertThat(openAiTraceId).matches("[0-9a-f]{32}").isNotEqualTo(traceId);
        awaitTrace(openAiTraceId, spans -> spans.stream().anyMatch(s -> s.service().equals("gateway") && s.kind().equals("SERVER")));
    }

    @Test
    void probesAndScrapesAreNotTraced() throws Exception {
        ServiceProcess gateway = stack.process("gateway");
        for (String path : List.of("/actuator/health/readiness", "/actuator/prometheus")) {
            HttpResponse<String> probed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.actuatorPort + path))
                    .timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(probed.statusCode()).isEqualTo(200);
        }
        // The stack answered health checks until it was up; one more span batch has left by now.
        Thread.sleep(1_000);

        assertThat(receiver.all()).noneMatch(span -> span.name().startsWith("grpc.health.v1.Health/")
                || span.attributes().getOrDefault("uri", "").startsWith("/actuator"));
    }

    /**
     * Every span but the root is a child of another span of the trace, and every service's server span
     * is the child of a client span in the service that called it.
     */
    private static void assertCallTree(List<Span> trace, Span root) {
        String tree = trace.stream().map(Span::toString).collect(Collectors.joining("\n"));
        for (Span span : trace) {
            if (span.equals(root)) {
                continue;
            }
            Span parent = parentOf(trace, span);
            assertThat(parent).as("the parent of %s in\n%s", span, tree).isNotNull();
            if (span.kind().equals("SERVER")) {
                assertThat(parent.kind()).as("the caller of %s in\n%s", span, tree).isEqualTo("CLIENT");
                assertThat(parent.service()).as("the caller of %s in\n%s", span, tree).isNotEqualTo(span.service());
            }
        }
    }

    // The server span of `service` that the gateway's request `root` called directly.
    private static Span serverSpanIn(List<Span> trace, String service, Span root) {
        return only(trace, s -> s.service().equals(service) && s.kind().equals("SERVER") && parentOf(trace, s).parentId().equals(root.spanId()));
    }

    private static Span childNamed(List<Span> trace, Span parent, String name) {
        return only(trace, s -> s.name().equals(name) && s.parentId().equals(parent.spanId()) && s.service().equals(parent.service()));
    }

    private static Span parentOf(List<Span> trace, Span span) {
        return trace.stream().filter(s -> s.spanId().equals(span.parentId())).findFirst().orElse(null);
    }

    private static Span only(List<Span> trace, Predicate<Span> which) {
        List<Span> found = trace.stream().filter(which).toList();
        assertThat(found).as(() -> "one such span in\n" + trace.stream().map(Span::toString).collect(Collectors.joining("\n"))).hasSize(1);
        return found.getFirst();
    }

    private static boolean has(List<Span> spans, String service, String name) {
        return spans.stream().anyMatch(s -> s.service().equals(service) && s.name().equals(name));
    }

    private static Set<String> services(List<Span> spans) {
        return spans.stream().map(Span::service).collect(Collectors.toSet());
    }

    // The trace once `complete` holds for it, and a little later, so that late spans of it are in too.
    private List<Span> awaitTrace(String traceId, Predicate<List<Span>> complete) throws InterruptedException {
        await("trace " + traceId).atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> complete.test(receiver.trace(traceId)));
        Thread.sleep(1_000);
        return receiver.trace(traceId);
    }

    private String upload(String traceparent, String variant) throws Exception {
        HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(gateway("/v1/images")).header("Content-Type", "image/png")
                .header("traceparent", traceparent).POST(HttpRequest.BodyPublishers.ofByteArray(PngVariants.withText(png, variant)))
                .timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        return JSON.readTree(uploaded.body()).get("image_id").asString();
    }

    private HttpResponse<String> post(String path, String traceparent, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(PATIENCE);
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI gateway(String path) {
        return URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort + path);
    }

    // A sampled W3C trace context, as a client that traces its own calls sends it.
    private static String traceparent(String traceId, String spanId) {
        return "00-" + traceId + "-" + spanId + "-01";
    }

    private static String newTraceId() {
        return random(16);
    }

    private static String newSpanId() {
        return random(8);
    }

    private static String random(int bytes) {
        byte[] id = new byte[bytes];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
