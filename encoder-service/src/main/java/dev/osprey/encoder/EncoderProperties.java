package dev.osprey.encoder;

import dev.osprey.encoder.uploads.S3Settings;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * encoder-service settings, {@code osprey.encoder.*}; defaults in {@code application.properties}.
 *
 * @param backend           where the vision tower runs: {@code embedded} (ONNX Runtime in this process) or {@code triton}
 * @param featureCacheSize  bound on cached features (~39 MiB per image at the real model's size, ~1.2 MiB for the tiny one)
 * @param imageStoreSize    bound on uploads cached in memory in front of the upload store; hold many more images than the feature cache
 * @param imageIdleTtl      an image unused this long leaves memory (bytes and features; the upload store keeps it); 0: never
 * @param maxConcurrentDecodes images decoded and preprocessed at once (a 50-megapixel image takes 150 MB while decoding)
 * @param batch             micro-batching of concurrent encodes
 * @param triton            the Triton server, for {@code backend=triton}
 * @param uploads           where uploads are stored, beyond restarts and shared by replicas
 * @param sam               Segment Anything, when the bundle has it
 */
@ConfigurationProperties("osprey.encoder")
record EncoderProperties(Backend backend, DataSize featureCacheSize, DataSize imageStoreSize, Duration imageIdleTtl,
        int maxConcurrentDecodes, Batch batch, Triton triton, Uploads uploads, Sam sam) {

    /** Where the vision tower runs. */
    enum Backend {
        EMBEDDED, TRITON
    }

    /**
     * @param backend {@code local} (a directory) or {@code s3} (an S3-compatible bucket)
     * @param dir     backend=local: the directory, shared by the encoders of one host
     * @param maxAge  backend=local: uploads last written longer ago are deleted (swept hourly); 0: kept.
     *                With S3 a lifecycle rule on the bucket does this
     * @param s3      backend=s3: the bucket
     */
    record Uploads(UploadBackend backend, Path dir, Duration maxAge, S3Settings s3) {
    }

    /** Where uploads are stored. */
    enum UploadBackend {
        LOCAL, S3
    }

    /**
     * @param maxSize the most images one model run takes (with Triton: at most the repository's max_batch_size, 8)
     * @param maxWait how long the first image of a batch waits for others to join
     */
    record Batch(int maxSize, Duration maxWait) {
    }

    /**
     * Segment Anything: its image encoder runs where the vision tower does ({@code backend}), its prompt decoder here.
     *
     * @param embeddingCacheSize      bound on cached SAM image embeddings (4 MiB each for ViT-B/L/H: [256,64,64] float32)
     * @param maxConcurrentEmbeddings image embeddings computed at once, the others wait (embedded on CPU more only share
     *                                the cores and each holds its activations; raise it for a Triton with several instances)
     * @param defaultMaxMasks         SegmentAll's cap on masks when the request sets none
     * @param maxMasks                the highest cap a SegmentAll request may set (more is cut to it)
     * @param maxPointsPerSide        the largest automatic point grid a request may ask for (its square is the prompts per crop)
     * @param maxCropLayers           the most crop layers a request may ask for (layer i has 4^i crops)
     * @param tritonModel             backend=triton: the SAM image encoder's name in the Triton repository
     */
    record Sam(DataSize embeddingCacheSize, int maxConcurrentEmbeddings, int defaultMaxMasks, int maxMasks, int maxPointsPerSide, int maxCropLayers,
            String tritonModel) {
    }

    /**
     * @param address        host:port of Triton's gRPC endpoint
     * @param model          the model's name in the repository
     * @param version        its version; empty: the server's choice
     * @param deadline       per call
     * @param maxAttempts    inference attempts while Triton answers UNAVAILABLE
     * @param initialBackoff wait before the first retry, doubling up to {@code maxBackoff}
     * @param maxBackoff     the longest wait between attempts
     */
    record Triton(String address, String model, String version, Duration deadline, int maxAttempts, Duration initialBackoff,
            Duration maxBackoff) {
    }
}
