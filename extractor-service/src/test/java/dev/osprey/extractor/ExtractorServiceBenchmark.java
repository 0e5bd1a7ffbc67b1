package dev.osprey.extractor;

import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.Region;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bench.ExtractorBenchmark;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.region.ExtractorWarmUp;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.GrpcErrorHandler;
import dev.osprey.service.Replicas;
import dev.osprey.service.StageSpans;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (surefire's default includes skip *Benchmark): regions/s of the Extract RPC
 * over loopback gRPC, features served by a stand-in encoder, next to the in-process MaskExtractor on
 * the same features and masks: with the image's features kept by the extractor (every question but
 * an image's first) and fetched from the encoder on every call (no feature cache). Run:
 *
 * <pre>
 * ./mvnw -B -o -ntp -pl onnx-proto,proto,model,service-support,extractor-service test -Dtest=ExtractorServiceBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dbench.bundle=DIR] [-Dbench.seconds=5]
 * </pre>
 *
 * Writes a Markdown table to {@code target/bench/extractor-service.md}.
 */
class ExtractorServiceBenchmark {

    private static final int HEIGHT = 480;
    private static final int WIDTH = 640;

    @Test
    void regionsPerSecond() throws Exception {
        String configured = System.getProperty("bench.bundle");
        ModelBundle bundle = configured == null ? TinyBundle.open() : ModelBundle.open(Path.of(configured));
        double seconds = Double.parseDouble(System.getProperty("bench.seconds", "5"));
        MaskExtractorWeights weights = ExtractorBenchmark.load(bundle);
        MaskExtractor maskExtractor = new MaskExtractor(weights);
        StringBuilder table = new StringBuilder("bundle: " + bundle.dir() + "\n\n"
                + "| features | regions/call | clients | in-process ms/call (1 thread) | service ms/call p50 | service regions/s |\n"
                + "|---|---|---|---|---|---|\n");
        try (FeatureServer encoder = new FeatureServer(); EncoderChannels channels = new EncoderChannels(encoder.address(),
                Replicas.parse("encoder-service", encoder.address(), 0), Optional.empty())) {
            encoder.put("image", WIDTH, HEIGHT, ExtractorBenchmark.randomFeatures(bundle, new SplittableRandom(1)));
            for (long cacheBytes : new long[] {1L << 30, 0}) {
                RegionExtraction extraction = new RegionExtraction(new EncoderClient(channels, Duration.ofSeconds(60)), maskExtractor, 64,
                        RegionExtraction.featureCache(cacheBytes, Duration.ZERO), StageSpans.OFF);
                Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                        .addService(GrpcErrorHandler.handling(new ExtractorGrpcService(extraction, new SimpleMeterRegistry())))
                        .build().start();
                ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create()).build();
                try {
                    for (int regions : new int[] {1, 16}) {
                        double inProcess = ExtractorBenchmark.run(weights, bundle, regions, HEIGHT, WIDTH, 50).medianMs();
                        ExtractRequest request = request(regions);
                        for (int clients : new int[] {1, 2, 4}) {
                            double[] stats = load(ExtractorGrpc.newBlockingStub(channel), request, clients, seconds);
                            table.append(String.format("| %s | %d | %d | %.2f | %.2f | %.0f |%n", cacheBytes > 0 ? "kept" : "fetched",
                                    regions, clients, inProcess, stats[0], stats[1] * regions));
                        }
                    }
                } finally {
                    channel.shutdownNow();
                    server.shutdownNow();
                }
            }
        }
        System.out.println(table);
        Path out = Path.of("target/bench/extractor-service.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    /** Median ms per call and calls/s of {@code clients} threads calling for {@code seconds} after a warm-up. */
    private static double[] load(ExtractorGrpc.ExtractorBlockingStub stub, ExtractRequest request, int clients, double seconds)
            throws Exception {
        for (int i = 0; i < 20; i++) {
            stub.extract(request);
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        List<Future<List<Double>>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            results.add(pool.submit(() -> {
                List<Double> ms = new ArrayList<>();
                while (System.nanoTime() < end) {
                    long t = System.nanoTime();
                    stub.extract(request);
                    ms.add((System.nanoTime() - t) / 1e6);
                }
                return ms;
            }));
        }
        List<Double> all = new ArrayList<>();
        for (Future<List<Double>> r : results) {
            all.addAll(r.get());
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        double[] sorted = all.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return new double[] {sorted[sorted.length / 2], sorted.length / elapsed};
    }

    private static ExtractRequest request(int regions) {
        ExtractRequest.Builder request = ExtractRequest.newBuilder().setImageId("image");
        for (BinaryMask mask : ExtractorWarmUp.ellipses(new SplittableRandom(regions), regions, HEIGHT, WIDTH)) {
            request.addRegions(Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(HEIGHT).setWidth(WIDTH)
                    .setCompressed(dev.osprey.model.mask.CocoRle.encode(mask))));
        }
        return request.build();
    }
}
