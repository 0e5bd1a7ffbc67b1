package dev.osprey.encoder;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.features.ImagePreparation;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.sam.EmbeddedSamImageEncoder;
import dev.osprey.encoder.sam.SamEmbeddings;
import dev.osprey.encoder.sam.SamImageEncoder;
import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.encoder.sam.SegmentLimits;
import dev.osprey.encoder.triton.KserveClient;
import dev.osprey.encoder.triton.TritonSamImageEncoder;
import dev.osprey.encoder.triton.TritonVisionBackend;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.uploads.S3UploadStore;
import dev.osprey.encoder.uploads.UploadStore;
import dev.osprey.encoder.uploads.UploadSweeper;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.sam.SamModelFiles;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPreprocessor;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.service.InternalAuthConfiguration;
import dev.osprey.service.ModelProperties;
import dev.osprey.service.StageSpans;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Builds the encoder from properties: the bundle ({@code osprey.model.*}), the vision backend
 * ({@code osprey.encoder.backend}), the micro-batcher, the upload store ({@code osprey.encoder.uploads.*}),
 * the feature store, its metrics and the gRPC service; Segment Anything when the bundle has it
 * ({@code osprey.encoder.sam.*}) and its Segmenter gRPC service. The embedded model loads here, before the application reports ready. Internal calls
 * need the token.
 */
@Configuration(proxyBeanMethods = false)
@Import(InternalAuthConfiguration.class)
@EnableConfigurationProperties({ModelProperties.class, EncoderProperties.class})
class EncoderConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EncoderConfiguration.class);

    @Bean
    ModelBundle modelBundle(ModelProperties model) {
        return model.open();
    }

    @Bean
    VisionBackend visionBackend(ModelBundle bundle, ModelProperties model, EncoderProperties encoder) {
        long start = System.nanoTime();
        VisionBackend backend = switch (encoder.backend()) {
            case EMBEDDED -> new EmbeddedVisionBackend(OnnxVisionTower.open(bundle.visionModel(), model.threads()));
            case TRITON -> new TritonVisionBackend(kserveClient(encoder.triton()), encoder.triton().model(), encoder.triton().version(),
                    bundle.manifest().image().size());
        };
        log.info("vision backend {} for bundle {} set up in {} ms", backend.name(), bundle.dir(), (System.nanoTime() - start) / 1_000_000);
        if (backend instanceof TritonVisionBackend triton && !triton.ready()) {
            log.warn("Triton at {} is not ready yet (ServerReady or ModelReady of {} is false, or no answer): readiness stays down"
                    + " until it is", triton.client().address(), encoder.triton().model());
        }
        return backend;
    }

    private static KserveClient kserveClient(EncoderProperties.Triton triton) {
        return new KserveClient(triton.address(), triton.deadline(),
                new KserveClient.Retry(triton.maxAttempts(), triton.initialBackoff(), triton.maxBackoff()));
    }

    @Bean
    EncoderMetrics encoderMetrics(MeterRegistry registry, VisionBackend backend) {
        return new EncoderMetrics(registry, backend.name());
    }

    @Bean
    MicroBatcher microBatcher(VisionBackend backend, ModelBundle bundle, EncoderProperties encoder, EncoderMetrics metrics) {
        int size = bundle.manifest().image().size();
        return new MicroBatcher(backend, 3 * size * size, encoder.batch().maxSize(), encoder.batch().maxWait(), metrics);
    }

    /** backend=local: a directory, shared by the encoders of one host. */
    @Bean
    @ConditionalOnProperty(name = "osprey.encoder.uploads.backend", havingValue = "local")
    LocalUploadStore localUploadStore(EncoderProperties encoder) {
        LocalUploadStore store = new LocalUploadStore(encoder.uploads().dir());
        log.info("uploads are stored in the {}", store.describe());
        return store;
    }

    /** Expiry of local uploads ({@code osprey.encoder.uploads.max-age}); an S3 bucket expires them by a lifecycle rule. */
    @Bean
    @ConditionalOnProperty(name = "osprey.encoder.uploads.backend", havingValue = "local")
    UploadSweeper uploadSweeper(LocalUploadStore store, EncoderProperties encoder) {
        return new UploadSweeper(store, encoder.uploads().maxAge(), Clock.systemUTC());
    }

    /** backend=s3: a bucket, shared by every replica. */
    @Bean
    @ConditionalOnProperty(name = "osprey.encoder.uploads.backend", havingValue = "s3")
    S3UploadStore s3UploadStore(EncoderProperties encoder) {
        S3UploadStore store = S3UploadStore.open(encoder.uploads().s3());
        store.problem().ifPresentOrElse(
                problem -> log.warn("the upload store, {}, does not answer yet ({}): uploads fail with UNAVAILABLE until it does",
                        store.describe(), problem),
                () -> log.info("uploads are stored in the {}", store.describe()));
        return store;
    }

    @Bean
    FeatureStore featureStore(ModelBundle bundle, MicroBatcher batcher, UploadStore uploads, EncoderProperties encoder,
            EncoderMetrics metrics, StageSpans spans) {
        StoreLimits limits = new StoreLimits(encoder.featureCacheSize().toBytes(), encoder.imageStoreSize().toBytes(),
                encoder.imageIdleTtl());
        long heap = Runtime.getRuntime().maxMemory();
        if (limits.featureBytes() + limits.imageBytes() > heap / 4 * 3) {
            log.warn("the feature cache ({} MiB) and image store ({} MiB) may fill more than 3/4 of the heap ({} MiB): raise -Xmx"
                    + " or lower osprey.encoder.feature-cache-size / image-store-size", limits.featureBytes() >> 20,
                    limits.imageBytes() >> 20, heap >> 20);
        }
        ImagePreparation preparation = new ImagePreparation(new ImageDecoder(), new ImagePreprocessor(bundle.manifest().image()),
                encoder.maxConcurrentDecodes(), spans);
        FeatureStore store = new FeatureStore(preparation, batcher, uploads, limits, System::nanoTime, spans);
        metrics.bind(store, batcher);
        return store;
    }

    @Bean
    EncoderGrpcService encoderGrpcService(FeatureStore store) {
        return new EncoderGrpcService(store);
    }

    @Bean
    SamMetrics samMetrics(MeterRegistry registry, EncoderProperties encoder) {
        return new SamMetrics(registry, encoder.backend().name().toLowerCase(Locale.ROOT));
    }

    /**
     * Segment Anything when the bundle has it: its image encoder where the vision tower runs (embedded or
     * Triton), its prompt decoder in this process beside the embedding cache. Loaded here, before the
     * application reports ready.
     */
    @Bean
    SegmentAnything segmentAnything(ModelBundle bundle, ModelProperties model, EncoderProperties encoder, FeatureStore features,
            SamMetrics metrics) {
        Optional<SamModelFiles> files = bundle.sam();
        if (files.isEmpty()) {
            log.info("the bundle {} has no Segment Anything model: Segmenter calls answer UNIMPLEMENTED", bundle.dir());
            return SegmentAnything.absent("the model bundle of this encoder (" + bundle.dir().getFileName() + ") has no Segment Anything"
                    + " model: convert it with `osprey convert --sam SAM_CHECKPOINT` to segment");
        }
        long start = System.nanoTime();
        EncoderProperties.Sam sam = encoder.sam();
        SamPredictor predictor = switch (encoder.backend()) {
            case EMBEDDED -> SamPredictor.open(files.get(), model.threads());
            case TRITON -> SamPredictor.openDecoder(files.get(), model.threads());
        };
        SamImageEncoder imageEncoder = switch (encoder.backend()) {
            case EMBEDDED -> new EmbeddedSamImageEncoder(predictor);
            case TRITON -> new TritonSamImageEncoder(kserveClient(encoder.triton()), sam.tritonModel(), encoder.triton().version());
        };
        SamEmbeddings embeddings = new SamEmbeddings(features, new SamPreprocessor(files.get().config()), imageEncoder,
                sam.maxConcurrentEmbeddings(), sam.embeddingCacheSize().toBytes(), encoder.imageIdleTtl(), System::nanoTime, metrics);
        metrics.bind(embeddings);
        SegmentLimits limits = new SegmentLimits(sam.defaultMaxMasks(), sam.maxMasks(), sam.maxPointsPerSide(), sam.maxCropLayers());
        log.info("Segment Anything ({} image encoder) for bundle {} set up in {} ms", imageEncoder.name(), bundle.dir(),
                (System.nanoTime() - start) / 1_000_000);
        return SegmentAnything.of(predictor, embeddings, limits);
    }

    @Bean
    SegmenterGrpcService segmenterGrpcService(SegmentAnything sam, SamMetrics metrics) {
        return new SegmenterGrpcService(sam, metrics);
    }

    @Bean
    SegmentAnythingHealthIndicator segmentAnythingHealthIndicator(SegmentAnything sam) {
        return new SegmentAnythingHealthIndicator(sam);
    }

    @Bean
    VisionBackendHealthIndicator visionBackendHealthIndicator(VisionBackend backend) {
        return new VisionBackendHealthIndicator(backend);
    }
}
