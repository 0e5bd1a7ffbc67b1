package dev.osprey.llm;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.Sampling;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.model.pipeline.Question;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.GrpcErrorHandler;
import dev.osprey.service.Replicas;
import dev.osprey.service.StageSpans;
import dev.osprey.service.TensorMessages;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test: surefire's default includes leave {@code *Benchmark} classes out, so it
 * runs only when named. Generated tokens per second for 1, 4 and 8 concurrent questions about one
 * image (its prefix cached, greedy), in process on {@link RegionChat} and through the gRPC service on
 * loopback, side by side, decoding in the shared batch of {@code max-batch} sequences (1: each question
 * on its own). The image and region tokens are random (a stand-in encoder serves them), so
 * any bundle works; without one it uses the golden checkpoint as an fp32 bundle.
 *
 * <pre>
 * ./mvnw -B -o -ntp -pl onnx-proto,proto,model,service-support,llm-service verify -Dtest=LlmServiceBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dosprey.bench.bundle=DIR] [-Dosprey.bench.tokens=64] \
 *     [-Dosprey.bench.streams=1,4,8] [-Dosprey.bench.repeats=3] [-Dosprey.bench.threads=1] [-Dosprey.bench.workers=0 (= streams)]
 *     [-Dosprey.bench.max-batch=0 (= the most streams)] [-Dosprey.bench.prefills=2]
 * </pre>
 * Each path first answers one question unrecorded (sessions, connection); each row is the median
 * of {@code repeats} rounds by tokens/s.
 * <pre>
 * </pre>
 * A 7B bundle needs a larger heap for the cached prefix and the KV caches (about 1.1 GB per stream):
 * add {@code -Dosprey.test.jvm.args="-Xmx8g --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true"}.
 */
class LlmServiceBenchmark {

    private static final String PROMPT = "What is <region1>?";

    private final Path bundle = System.getProperty("osprey.bench.bundle") == null ? TinyBundle.dir()
            : Path.of(System.getProperty("osprey.bench.bundle"));
    private final int tokens = Integer.getInteger("osprey.bench.tokens", 64);
    private final int repeats = Integer.getInteger("osprey.bench.repeats", 3);
    private final int threads = Integer.getInteger("osprey.bench.threads", 1);
    private final int fixedWorkers = Integer.getInteger("osprey.bench.workers", 0);
    private final int[] streams = Arrays.stream(System.getProperty("osprey.bench.streams", "1,4,8").split(","))
            .mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    private final int maxBatch = Integer.getInteger("osprey.bench.max-batch", 0) > 0 ? Integer.getInteger("osprey.bench.max-batch")
            : Arrays.stream(streams).max().orElse(1);
    private final int prefills = Integer.getInteger("osprey.bench.prefills", 2);

    /** One row: {@code streams} questions at once, their tokens and the wall time of the whole round. */
    record Round(String path, int streams, int workers, long generated, double seconds, double meanFirstTokenMs) {

        double tokensPerSecond() {
            return generated / seconds;
        }
    }

    @Test
    void tokensPerSecondInProcessAndThroughGrpc() throws Exception {
        ModelBundle opened = ModelBundle.open(bundle);
        int hidden = opened.manifest().llm().hidden();
        int imageTokens = opened.manifest().image().tokens();
        String imageId = "0".repeat(63) + "1";
        float[] image = random(imageTokens * hidden, 1);
        RegionTokens region = new RegionTokens(random(hidden, 2), random(hidden, 3), 1, hidden, new int[1][]);
        List<Round> rounds = new ArrayList<>();
        try (RegionChat chat = new RegionChat(opened, threads, new PrefixCache(8L << 30), null, new RegionChat.Sharing(maxBatch, prefills))) {
            RegionChat.Prompts prompts = chat.prompts(new Question.Prompt(PROMPT), 1);
            GenerationRequest request = GenerationRequest.of(SamplingSettings.greedy(), tokens);
            // Warm-up: sessions, and the image's prefix into the cache (a miss prefills the whole prompt).
            chat.answer(imageId, () -> image, region, prompts, request);
            Callable<long[]> inProcess = () -> {
                long start = System.nanoTime();
                Answer answer = chat.answer(imageId, () -> image, region, prompts, request).getFirst();
                return new long[] {answer.outputIds().length, start + answer.usage().timeToFirstToken().toNanos()};
            };
            for (int n : streams) {
                rounds.add(median("in-process", n, n, inProcess));
            }
            for (int n : streams) {
                int workers = fixedWorkers > 0 ? fixedWorkers : n;
                rounds.add(throughGrpc(chat, n, workers, imageId, image, region, hidden));
            }
        }
        print(opened, rounds);
    }

    private Round throughGrpc(RegionChat chat, int n, int workers, String imageId, float[] image, RegionTokens region, int hidden)
            throws Exception {
        Server encoder = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(new RandomEncoder(imageId, image, hidden)).build().start();
        GenerationQueue queue = new GenerationQueue(workers, n, Duration.ofMinutes(5));
        Server server = null;
        ManagedChannel channel = null;
        try (EncoderChannels channels = new EncoderChannels("127.0.0.1:" + encoder.getPort(),
                Replicas.parse("encoder-service", "127.0.0.1:" + encoder.getPort(), 0), Optional.empty());
                WarmUps warmUps = new WarmUps(0, () -> true);
                LlmGrpcService service = new LlmGrpcService(chat, new EncoderClient(channels, Duration.ofMinutes(5)), queue, warmUps,
                        new LlmMetrics(new SimpleMeterRegistry(), chat, queue, warmUps), tokens, StageSpans.OFF)) {
            server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(GrpcErrorHandler.handling(service))
                    .build().start();
            channel = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create()).build();
            LlmGrpc.LlmBlockingStub stub = LlmGrpc.newBlockingStub(channel);
            GenerateRequest request = GenerateRequest.newBuilder().setImageId(imageId).setPrompt(PROMPT)
                    .setRegionTokens(dev.osprey.internal.v1.RegionTokens.newBuilder()
                            .setMaskTokens(TensorMessages.floats("mask_tokens", new long[] {1, hidden}, region.maskTokens()))
                            .setPosTokens(TensorMessages.floats("pos_tokens", new long[] {1, hidden}, region.posTokens())))
                    .setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(tokens).build();
            Callable<long[]> question = () -> {
                long start = System.nanoTime();
                Iterator<AnswerEvent> events = stub.generate(request);
                long firstToken = 0;
                long generated = 0;
                while (events.hasNext()) {
                    AnswerEvent event = events.next();
                    if (event.hasPiece() && firstToken == 0) {
                        firstToken = System.nanoTime();
                    }
                    if (event.hasFinished()) {
                        generated = event.getFinished().getUsage().getCompletionTokens();
                    }
                }
                return new long[] {generated, firstToken};
            };
            question.call();
            return median("gRPC", n, workers, question);
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            if (server != null) {
                server.shutdownNow();
            }
            encoder.shutdownNow();
        }
    }

    private Round median(String path, int n, int workers, Callable<long[]> question) throws InterruptedException {
        List<Round> rounds = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            rounds.add(round(path, n, workers, question));
        }
        rounds.sort(java.util.Comparator.comparingDouble(Round::tokensPerSecond));
        return rounds.get(rounds.size() / 2);
    }

    // Starts n questions together; each returns {generated tokens, nanoTime of its first token}.
    private static Round round(String path, int n, int workers, Callable<long[]> question) throws InterruptedException {
        ExecutorService clients = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<long[]>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(clients.submit(() -> {
                    go.await();
                    return question.call();
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            long generated = 0;
            double firstTokenMs = 0;
            for (Future<long[]> answer : answers) {
                long[] result = answer.get();
                generated += result[0];
                firstTokenMs += (result[1] - start) / 1e6;
            }
            return new Round(path, n, workers, generated, (System.nanoTime() - start) / 1e9, firstTokenMs / n);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a benchmark question failed", e.getCause());
        } finally {
            clients.shutdownNow();
        }
    }

    private void print(ModelBundle opened, List<Round> rounds) {
        System.out.printf("%nllm tokens/s: bundle %s (%s, hidden %d), %d new tokens per question, greedy, prefix cached, "
                        + "%d intra-op thread(s), %d cores, max batch %d, %d prefill(s) at once, median of %d rounds%n", bundle, opened.manifest().precision(),
                opened.manifest().llm().hidden(), tokens, threads, Runtime.getRuntime().availableProcessors(), maxBatch, prefills, repeats);
        System.out.println("| path | streams | workers | tokens | wall s | tokens/s | mean first token ms |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Round r : rounds) {
            System.out.printf("| %s | %d | %d | %d | %.2f | %.1f | %.0f |%n", r.path(), r.streams(), r.workers(), r.generated(), r.seconds(),
                    r.tokensPerSecond(), r.meanFirstTokenMs());
        }
    }

    private static float[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() - 0.5) * 0.1f;
        }
        return values;
    }

    /** Serves one image's tokens, as encoder-service would after an upload. */
    private static final class RandomEncoder extends EncoderGrpc.EncoderImplBase {

        private final ImageTokens tokens;

        RandomEncoder(String imageId, float[] image, int hidden) {
            this.tokens = ImageTokens.newBuilder().setImageId(imageId)
                    .setImageEmbeds(TensorMessages.floats("image_embeds", new long[] {image.length / hidden, hidden}, image)).build();
        }

        @Override
        public void getImageTokens(GetImageTokensRequest request, StreamObserver<ImageTokens> responses) {
            responses.onNext(tokens);
            responses.onCompleted();
        }
    }
}
