package dev.osprey.encoder.features;

import dev.osprey.encoder.uploads.UploadStore;
import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.model.cache.LruLoadingCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.service.StageSpans;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The encoder's state: each upload's bytes and the features of recently used images, by image id.
 *
 * <p>Features are cached by bytes, least recently used out first; concurrent requests for an image
 * not yet cached share one encode. The uploads themselves are written to an {@link UploadStore}
 * (a directory or a bucket, which outlives this process and may be shared by replicas) before an
 * upload is answered, and cached in memory in front of it; so an image whose features were evicted,
 * or were computed by another replica or before a restart, is re-encoded transparently when asked
 * for by id. Only when its bytes are gone from the store too (expired there, forgotten, or never
 * uploaded) does a request by id fail with NOT_FOUND, asking the caller to upload the image again.
 * The call's span says whether the feature cache had the image ({@value #CACHE_HIT}), and the vision
 * tower's run (its batch included) is a span of its own, {@code vision}. Thread-safe.
 */
public final class FeatureStore {

    /**
     * The result of an upload.
     *
     * @param cached whether the features were already there (or being computed for another caller)
     */
    public record Encoding(EncodedImage image, boolean cached) {
    }

    private final ImagePreparation preparation;
    private final MicroBatcher batcher;
    private final LruLoadingCache<String, EncodedImage> features;
    private final LruLoadingCache<String, byte[]> uploads;
    /** The span attribute that says whether an image's features were cached (or being computed for another call). */
    public static final String CACHE_HIT = "osprey.feature_cache.hit";

    private final UploadStore store;
    private final List<LruLoadingCache<String, ?>> derived = new CopyOnWriteArrayList<>();
    private final StageSpans spans;

    /** @param clock monotonic nanoseconds for the caches' idle TTL ({@code System::nanoTime}) */
    public FeatureStore(ImagePreparation preparation, MicroBatcher batcher, UploadStore store, StoreLimits limits, LongSupplier clock,
            StageSpans spans) {
        this.spans = spans;
        this.preparation = preparation;
        this.batcher = batcher;
        this.store = store;
        this.features = new LruLoadingCache<>(limits.featureBytes(), EncodedImage::bytes, limits.idleTtl(), clock);
        this.uploads = new LruLoadingCache<>(limits.imageBytes(), bytes -> bytes.length, limits.idleTtl(), clock);
    }

    /**
     * Keeps an upload and returns its features, encoding it unless they are cached.
     *
     * @param imageId its id ({@link ImageId#scoped} of its SHA-256)
     * @throws OspreyException BAD_INPUT naming what is wrong with an image that cannot be decoded;
     *                         UNAVAILABLE when the upload store cannot keep it
     */
    public Encoding encode(String imageId, byte[] imageBytes) {
        // The call that encodes says so itself; every other found the features cached or being encoded.
        LruLoadingCache.Loaded<EncodedImage, Encoding> loaded = features.load(imageId, id -> {
            EncodedImage image = encodeNow(id, imageBytes);
            return LruLoadingCache.Loaded.computed(image, new Encoding(image, false));
        });
        // Only images that decoded are kept, and an upload is answered only once it is stored.
        store.put(imageId, imageBytes);
        uploads.put(imageId, imageBytes);
        spans.tag(CACHE_HIT, loaded.byProduct().isEmpty());
        return loaded.byProduct().orElseGet(() -> new Encoding(loaded.value(), true));
    }

    /**
     * The features of an uploaded image, re-encoded from its bytes if they were evicted.
     *
     * @throws OspreyException BAD_INPUT for a malformed id; NOT_FOUND when the bytes are not stored either;
     *                         UNAVAILABLE when the upload store cannot be read
     */
    public EncodedImage features(String imageId) {
        ImageId.require(imageId);
        LruLoadingCache.Loaded<EncodedImage, Boolean> loaded = features.load(imageId,
                id -> LruLoadingCache.Loaded.computed(encodeNow(id, imageBytes(id)), Boolean.TRUE));
        spans.tag(CACHE_HIT, loaded.byProduct().isEmpty());
        return loaded.value();
    }

    /**
     * The uploaded bytes of an image, from memory or else from the upload store.
     *
     * @throws OspreyException BAD_INPUT for a malformed id; NOT_FOUND when they are not stored;
     *                         UNAVAILABLE when the upload store cannot be read
     */
    public byte[] imageBytes(String imageId) {
        ImageId.require(imageId);
        return uploads.get(imageId, id -> store.get(id).orElseThrow(() -> new OspreyException(Reason.NOT_FOUND,
                "image " + id + " is not stored (expired, forgotten or never uploaded): upload the image again")));
    }

    /**
     * Forgets an image: deletes its stored bytes, then drops what memory holds of it.
     *
     * @return whether anything was stored or held
     * @throws OspreyException UNAVAILABLE when the upload store cannot delete it (nothing is dropped then)
     */
    public boolean forget(String imageId) {
        ImageId.require(imageId);
        boolean held = store.delete(imageId) | uploads.invalidate(imageId) | features.invalidate(imageId);
        for (LruLoadingCache<String, ?> cache : derived) {
            held |= cache.invalidate(imageId);
        }
        return held;
    }

    /**
     * Registers a cache of something else made from images (e.g. their Segment Anything embeddings),
     * keyed by image id, so that {@link #forget} forgets its entry with the image.
     */
    public void forgetWithImages(LruLoadingCache<String, ?> cache) {
        derived.add(cache);
    }

    /** The feature cache, for its counters. */
    public LruLoadingCache<String, EncodedImage> featureCache() {
        return features;
    }

    /** Decoding and preprocessing, for its queue. */
    public ImagePreparation preparation() {
        return preparation;
    }

    /** The in-memory cache of uploaded bytes in front of the upload store, for its counters. */
    public LruLoadingCache<String, byte[]> uploads() {
        return uploads;
    }

    private EncodedImage encodeNow(String imageId, byte[] imageBytes) {
        ImagePreparation.Prepared image = preparation.prepare(imageBytes);
        return new EncodedImage(imageId, image.width(), image.height(), spans.run("vision", () -> batcher.encode(image.pixelValues())));
    }
}
