package dev.osprey.encoder.bench;

import com.google.protobuf.ByteString;
import dev.osprey.encoder.EncoderServices;
import dev.osprey.encoder.GoldenImages;
import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.features.ImagePreparation;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.vision.BatchListener;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.pipeline.ImageEncoder;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.StageSpans;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Encoder throughput (images/s), not a test: the name keeps it out of normal runs. It compares the
 * vision model alone (batches of 1 and of the batch limit), the in-process {@link ImageEncoder} (decode, preprocess, one image per model run) with Encode calls
 * through the gRPC service on a loopback port, micro-batched, at 1, 2 and 4 concurrent clients
 * sending different images (each a distinct PNG, so nothing hits the cache).
 *
 * <pre>
 * ./mvnw -B -o -ntp -pl onnx-proto,proto,model,service-support,encoder-service verify -Dtest=EncoderThroughputBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dosprey.bench.bundle=/work/bench/bundle-int8] \
 *     [-Dosprey.bench.images=8] [-Dosprey.bench.threads=0] [-Dosprey.bench.out=/work/bench/logs/encoder-throughput.txt]
 * </pre>
 * Without {@code osprey.bench.bundle} it measures the tiny golden bundle. For the real model's size give the
 * test JVM more heap than the default 1g (its features are ~39 MiB per image):
 * {@code -Dosprey.test.jvm.args="-Xmx3g --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"}.
 */
class EncoderThroughputBenchmark {

    private static final int[] CLIENTS = {1, 2, 4};

    @Test
    void imagesPerSecond() throws Exception {
        String configured = System.getProperty("osprey.bench.bundle");
        ModelBundle bundle = configured == null ? TinyBundle.open() : ModelBundle.open(Path.of(configured));
        int images = Integer.getInteger("osprey.bench.images", configured == null ? 32 : 8);
        int threads = Integer.getInteger("osprey.bench.threads", 0);
        int maxBatch = Integer.getInteger("osprey.bench.batch", 4);
        List<byte[]> pngs = distinctImages(images * CLIENTS[CLIENTS.length - 1] + 2);

        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "# encoder throughput %s, bundle %s, %d cores, ORT threads %d, batch max %d, %d images per row",
                Instant.now(), bundle.dir(), Runtime.getRuntime().availableProcessors(), threads, maxBatch, images));
        lines.add(towerAlone(bundle, threads, 1, images));
        lines.add(towerAlone(bundle, threads, maxBatch, images));
        lines.add(inProcess(bundle, threads, pngs.subList(0, images + 1)));
        for (int clients : CLIENTS) {
            lines.add(throughService(bundle, threads, maxBatch, clients, images, pngs));
        }
        lines.forEach(System.out::println);
        String out = System.getProperty("osprey.bench.out");
        if (out != null) {
            Files.writeString(Path.of(out), String.join("\n", lines) + "\n\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    /** The vision model alone on random pixel values, {@code batch} images per run, after one warm-up run. */
    private static String towerAlone(ModelBundle bundle, int threads, int batch, int images) {
        int size = bundle.manifest().image().size();
        float[] pixels = new float[batch * 3 * size * size];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        try (OnnxVisionTower tower = OnnxVisionTower.open(bundle.visionModel(), threads)) {
            tower.encode(pixels);
            int runs = Math.max(1, images / batch);
            long gc = gcMillis();
            long start = System.nanoTime();
            for (int r = 0; r < runs; r++) {
                tower.encode(pixels);
            }
            return row("vision model alone", 1, runs * batch, System.nanoTime() - start, batch, gcMillis() - gc);
        }
    }

    /** ImageEncoder, one image after another, after one warm-up image. */
    private static String inProcess(ModelBundle bundle, int threads, List<byte[]> pngs) {
        try (ImageEncoder encoder = new ImageEncoder(bundle, new ImageDecoder(), threads)) {
            encoder.encode(encoder.decode(pngs.getFirst()));
            long gc = gcMillis();
            long start = System.nanoTime();
            for (byte[] png : pngs.subList(1, pngs.size())) {
                RgbImage image = encoder.decode(png);
                encoder.encode(image);
            }
            return row("in-process ImageEncoder", 1, pngs.size() - 1, System.nanoTime() - start, 1, gcMillis() - gc);
        }
    }

    /** Encode RPCs from {@code clients} threads, each its own images, against a fresh service. */
    private static String throughService(ModelBundle bundle, int threads, int maxBatch, int clients, int perClient, List<byte[]> pngs)
            throws Exception {
        AtomicLong runs = new AtomicLong();
        AtomicLong batched = new AtomicLong();
        BatchListener count = (size, nanos, failed) -> {
            runs.incrementAndGet();
            batched.addAndGet(size);
        };
        var image = bundle.manifest().image();
        try (EmbeddedVisionBackend backend = new EmbeddedVisionBackend(OnnxVisionTower.open(bundle.visionModel(), threads));
                MicroBatcher batcher = new MicroBatcher(backend, 3 * image.size() * image.size(), maxBatch, Duration.ofMillis(5), count)) {
            // Small caches: every image here is new, and the features of the real model are ~39 MiB each.
            // Uploads are written to disk, as the service does by default, and removed at the end.
            Path uploadDir = Files.createTempDirectory("osprey-bench-uploads");
            LocalUploadStore uploads = new LocalUploadStore(uploadDir);
            FeatureStore store = new FeatureStore(new ImagePreparation(new ImageDecoder(), new ImagePreprocessor(image), 2, StageSpans.OFF),
                    batcher, uploads, new StoreLimits(128L << 20, 64L << 20, Duration.ZERO), System::nanoTime, StageSpans.OFF);
            Server server = serve(store);
            ManagedChannel channel = Grpc.newChannelBuilder("localhost:" + server.getPort(), InsecureChannelCredentials.create())
                    .maxInboundMessageSize(EncoderChannels.MAX_MESSAGE_BYTES).build();
            try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
                EncoderGrpc.EncoderBlockingStub stub = EncoderGrpc.newBlockingStub(channel);
                stub.encode(request(pngs.getLast()));
                runs.set(0);
                batched.set(0);
                long gc = gcMillis();
                long start = System.nanoTime();
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    List<byte[]> mine = pngs.subList(c * perClient, (c + 1) * perClient);
                    done.add(pool.submit(() -> mine.forEach(png -> stub.encode(request(png)))));
                }
                for (Future<?> client : done) {
                    client.get();
                }
                long nanos = System.nanoTime() - start;
                return row("gRPC Encode, micro-batched", clients, clients * perClient, nanos, (double) batched.get() / runs.get(),
                        gcMillis() - gc);
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
                uploads.sweep(Instant.MAX);
                Files.deleteIfExists(uploadDir);
            }
        }
    }

    private static Server serve(FeatureStore store) throws IOException {
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(EncoderServices.grpc(store)).build().start();
    }

    private static String row(String what, int clients, int images, long nanos, double meanBatch, long gcMillis) {
        double seconds = nanos / 1e9;
        return String.format(Locale.ROOT, "%-28s clients %d  images %3d  %7.2f s  %7.2f images/s  %8.1f ms/image  mean batch %.2f  GC %d ms",
                what, clients, images, seconds, images / seconds, 1e3 * seconds / images, meanBatch, gcMillis);
    }

    /** Collection time so far, all collectors: a row whose figure moved with it measured the heap, not the encoder. */
    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static EncodeRequest request(byte[] png) {
        return EncodeRequest.newBuilder().setImage(ByteString.copyFrom(png)).build();
    }

    /** {@code count} PNGs of the golden 640x480 image, each with one pixel changed so that every id differs. */
    private static List<byte[]> distinctImages(int count) throws IOException {
        RgbImage base = new ImageDecoder().decode(GoldenImages.bytes("s1_img0"));
        List<byte[]> pngs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            BufferedImage image = new BufferedImage(base.width(), base.height(), BufferedImage.TYPE_3BYTE_BGR);
            byte[] rgb = base.rgb();
            for (int y = 0; y < base.height(); y++) {
                for (int x = 0; x < base.width(); x++) {
                    int p = 3 * (y * base.width() + x);
                    image.getRaster().setPixel(x, y, new int[] {rgb[p] & 0xFF, rgb[p + 1] & 0xFF, rgb[p + 2] & 0xFF});
                }
            }
            image.getRaster().setPixel(i % base.width(), i / base.width(), new int[] {i & 0xFF, 0, 0});
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            if (!ImageIO.write(image, "png", png)) {
                throw new UncheckedIOException(new IOException("no PNG writer"));
            }
            pngs.add(png.toByteArray());
        }
        return pngs;
    }
}
