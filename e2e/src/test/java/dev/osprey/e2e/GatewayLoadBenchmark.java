package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractResponse;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.model.Golden;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Benchmark, not a test (failsafe's default includes skip *Benchmark): what the gateway adds to a
 * question. The same greedy question (one box region, 8 new tokens, a follow-up about an encoded
 * image) is asked by N concurrent clients through the gateway's REST API, and by N clients that make
 * the gateway's two backend calls themselves (Extract, then Generate over gRPC); the difference is
 * the gateway's cost. Also samples each service's resident memory idle and under load. Run:
 *
 * <pre>
 * ./mvnw -B -ntp -o verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=GatewayLoadBenchmark [-Dbench.seconds=10]
 * </pre>
 *
 * Writes a Markdown table to {@code e2e/target/bench/gateway.md}.
 */
class GatewayLoadBenchmark {

    private static final String REGION_JSON = "{\"box\": [100, 120, 200, 150]}";
    private static final Region REGION = Region.newBuilder().setBox(Box.newBuilder().setX(100).setY(120).setWidth(200).setHeight(150)).build();
    private static final int TOKENS = 8;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void gatewayOverhead() throws Exception {
        LocalStack stack = LocalStack.get();
        double seconds = Double.parseDouble(System.getProperty("bench.seconds", "10"));
        Path image = Golden.file("inputs/images/s1_img0.png");
        String imageId = JsonMapper.builder().build().readTree(http.send(HttpRequest.newBuilder(gateway(stack, "/v1/images"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofFile(image)).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("image_id").asString();
        String chat = "{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"temperature\": 0, \"max_new_tokens\": " + TOKENS
                + ", \"regions\": [" + REGION_JSON + "]}";
        Callable<Boolean> viaGateway = () -> http.send(HttpRequest.newBuilder(gateway(stack, "/v1/chat")).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(300)).POST(HttpRequest.BodyPublishers.ofString(chat)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        ExtractorGrpc.ExtractorBlockingStub extractor = ExtractorGrpc.newBlockingStub(stack.channel("extractor-service"));
        LlmGrpc.LlmBlockingStub llm = LlmGrpc.newBlockingStub(stack.channel("llm-service"));
        String encoder = stack.process("encoder-service").grpcAddress();
        Callable<Boolean> direct = () -> {
            ExtractResponse regions = extractor.withDeadlineAfter(300, TimeUnit.SECONDS).extract(ExtractRequest.newBuilder()
                    .setImageId(imageId).setEncoderAddress(encoder).addRegions(REGION).build());
            var events = llm.withDeadlineAfter(300, TimeUnit.SECONDS).generate(GenerateRequest.newBuilder().setImageId(imageId)
                    .setEncoderAddress(encoder).setRegionTokens(regions.getTokens()).setTask(Task.TASK_SHORT_DESCRIPTION)
                    .setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(TOKENS).build());
            AnswerEvent last = null;
            while (events.hasNext()) {
                last = events.next();
            }
            return last != null && last.hasFinished();
        };
        for (int i = 0; i < 20; i++) {
            assertThat(viaGateway.call()).isTrue();
            assertThat(direct.call()).isTrue();
        }
        Map<String, Long> idle = memory(stack);
        StringBuilder table = new StringBuilder("""
                | clients | direct p50 ms | direct p99 ms | direct req/s | gateway p50 ms | gateway p99 ms | gateway req/s | added p50 ms | added p99 ms | failed |
                |---|---|---|---|---|---|---|---|---|---|
                """);
        Map<String, Long> loaded = new LinkedHashMap<>();
        for (int clients : new int[] {1, 16, 64}) {
            Run base = run(direct, clients, seconds, stack, loaded);
            Run gateway = run(viaGateway, clients, seconds, stack, loaded);
            table.append(String.format("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |%n", clients, base.p50, base.p99, base.rate,
                    gateway.p50, gateway.p99, gateway.rate, gateway.p50 - base.p50, gateway.p99 - base.p99, base.failed + gateway.failed));
        }
        table.append("\n| service | RSS idle MiB | RSS under load (max) MiB |\n|---|---|---|\n");
        for (String service : LocalStack.SERVICES) {
            table.append(String.format("| %s | %d | %d |%n", service, idle.get(service), loaded.get(service)));
        }
        System.out.println(table);
        Path out = Path.of("target/bench/gateway.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    private record Run(double p50, double p99, double rate, int failed) {
    }

    private static Run run(Callable<Boolean> call, int clients, double seconds, LocalStack stack, Map<String, Long> maxMemory)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Integer> failures = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        AtomicBoolean done = new AtomicBoolean();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            workers.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    long t = System.nanoTime();
                    boolean ok;
                    try {
                        ok = call.call();
                    } catch (Exception e) {
                        ok = false;
                    }
                    if (ok) {
                        latencies.add((System.nanoTime() - t) / 1e6);
                    } else {
                        failures.add(1);
                    }
                }
                return null;
            }));
        }
        while (!done.get()) {
            memory(stack).forEach((service, mib) -> maxMemory.merge(service, mib, Math::max));
            done.set(workers.stream().allMatch(Future::isDone));
            Thread.sleep(200);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Run(sorted[sorted.length / 2], sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
                sorted.length / elapsed, failures.size());
    }

    private static Map<String, Long> memory(LocalStack stack) {
        Map<String, Long> rss = new LinkedHashMap<>();
        for (String service : LocalStack.SERVICES) {
            rss.put(service, stack.process(service).residentMiB());
        }
        return rss;
    }

    private static URI gateway(LocalStack stack, String path) {
        return URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort + path);
    }
}
