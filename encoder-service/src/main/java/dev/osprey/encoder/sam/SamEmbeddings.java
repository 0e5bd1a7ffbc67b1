package dev.osprey.encoder.sam;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.features.Turns;
import dev.osprey.model.cache.LruLoadingCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamPreprocessor;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The SAM image embeddings of recently clicked images, by image id, beside the {@link FeatureStore}'s
 * features and like them: bounded by bytes, least recently used out first, dropped after the idle TTL,
 * computed once for concurrent requests, recomputed transparently from the stored upload after an
 * eviction, and forgotten with the image. Ids are the tenant-scoped ids the feature store uses, so a
 * tenant reaches only its own images' embeddings. Thread-safe.
 *
 * <p>At most {@code maxConcurrent} embeddings are computed at once, the others wait their turn with
 * their 1024x1024 input (12 MiB) ready: a run holds the image encoder's activations (0.6 GB at ViT-B),
 * and on CPU more at once only share the cores. The input is made in a decode turn given back before
 * the wait, as the automatic generator waits for its crops' turns within its image's decode turn.
 */
public final class SamEmbeddings {

    /**
     * An image's embedding.
     *
     * @param cached whether it was cached (or being computed for another caller)
     */
    public record Embedded(SamEmbedding embedding, boolean cached) {
    }

    private final FeatureStore images;
    private final SamPreprocessor preprocessor;
    private final SamImageEncoder encoder;
    private final EmbeddingListener listener;
    private final LruLoadingCache<String, SamEmbedding> cache;
    private final Turns turns;

    /**
     * @param images        where the uploads are (their bytes, the decode turns); forgetting an image there forgets its embedding
     * @param maxConcurrent embeddings computed at once, ≥ 1
     * @param maxBytes      bound on the cached embeddings (float32)
     * @param idleTtl       an embedding unused this long leaves memory; zero: never
     * @param clock         monotonic nanoseconds for the idle TTL ({@code System::nanoTime})
     */
    public SamEmbeddings(FeatureStore images, SamPreprocessor preprocessor, SamImageEncoder encoder, int maxConcurrent, long maxBytes,
            Duration idleTtl, LongSupplier clock, EmbeddingListener listener) {
        this.turns = new Turns(maxConcurrent, "compute a SAM embedding");
        this.images = images;
        this.preprocessor = preprocessor;
        this.encoder = encoder;
        this.listener = listener;
        this.cache = new LruLoadingCache<>(maxBytes, embedding -> (long) embedding.values().length * Float.BYTES, idleTtl, clock);
        images.forgetWithImages(cache);
    }

    /**
     * The embedding of an uploaded image, computed from its bytes unless cached.
     *
     * @throws OspreyException BAD_INPUT for a malformed id; NOT_FOUND when the image's bytes are not stored
     */
    public Embedded embedding(String imageId) {
        ImageId.require(imageId);
        LruLoadingCache.Loaded<SamEmbedding, Boolean> loaded = cache.load(imageId,
                id -> LruLoadingCache.Loaded.computed(embed(images.preparation().inTurn(images.imageBytes(id), preprocessor::prepare)), true));
        return new Embedded(loaded.value(), loaded.byProduct().isEmpty());
    }

    /**
     * Hands the decoded image to {@code use} within a decode turn (the automatic generator crops it).
     *
     * @throws OspreyException BAD_INPUT for a malformed id; NOT_FOUND when the image's bytes are not stored
     */
    public <T> T withImage(String imageId, Function<RgbImage, T> use) {
        return images.preparation().inTurn(images.imageBytes(imageId), use);
    }

    /** The embedding of an image that is not cached (a crop of the automatic generator). */
    public SamEmbedding embedUncached(RgbImage image) {
        return embed(preprocessor.prepare(image));
    }

    /** Embeddings waiting for their turn. */
    public int queueDepth() {
        return turns.queueDepth();
    }

    /** The cache, for its counters. */
    public LruLoadingCache<String, SamEmbedding> cache() {
        return cache;
    }

    /** The image encoder, for its readiness. */
    public SamImageEncoder encoder() {
        return encoder;
    }

    private SamEmbedding embed(SamInput input) {
        return turns.inTurn(() -> {
            long start = System.nanoTime();
            boolean failed = true;
            try {
                SamEmbedding embedding = encoder.embed(input);
                failed = false;
                return embedding;
            } finally {
                listener.embedded(System.nanoTime() - start, failed);
            }
        });
    }
}
