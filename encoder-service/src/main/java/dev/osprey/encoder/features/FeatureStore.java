package dev.osprey.encoder.features;

import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.model.cache.LruLoadingCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.pipeline.ImageId;
import java.util.function.LongSupplier;

/**
 * The encoder's state: each upload's bytes and the features of recently used images, by image id.
 *
 * <p>Features are cached by bytes, least recently used out first; concurrent requests for an image
 * not yet cached share one encode. The uploads themselves are kept in a second, larger store, so an
 * image whose features were evicted is re-encoded transparently when asked for by id; only when its
 * bytes are gone too (evicted, idle past the TTL, forgotten, or uploaded to another replica) does a
 * request by id fail with NOT_FOUND, asking the caller to upload the image again. Thread-safe.
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

    /** @param clock monotonic nanoseconds for the idle TTL ({@code System::nanoTime}) */
    public FeatureStore(ImagePreparation preparation, MicroBatcher batcher, StoreLimits limits, LongSupplier clock) {
        this.preparation = preparation;
        this.batcher = batcher;
        this.features = new LruLoadingCache<>(limits.featureBytes(), EncodedImage::bytes, limits.idleTtl(), clock);
        this.uploads = new LruLoadingCache<>(limits.imageBytes(), bytes -> bytes.length, limits.idleTtl(), clock);
    }

    /**
     * Keeps an upload and returns its features, encoding it unless they are cached.
     *
     * @param imageId its id ({@link ImageId#scoped} of its SHA-256)
     * @throws OspreyException BAD_INPUT naming what is wrong with an image that cannot be decoded
     */
    public Encoding encode(String imageId, byte[] imageBytes) {
        boolean[] encodedHere = {false};
        EncodedImage image = features.get(imageId, id -> {
            encodedHere[0] = true;
            return encodeNow(id, imageBytes);
        });
        // Only images that decoded are kept.
        uploads.put(imageId, imageBytes);
        return new Encoding(image, !encodedHere[0]);
    }

    /**
     * The features of an uploaded image, re-encoded from its bytes if they were evicted.
     *
     * @throws OspreyException BAD_INPUT for a malformed id; NOT_FOUND when the bytes are gone too
     */
    public EncodedImage features(String imageId) {
        ImageId.require(imageId);
        // Read first, which also keeps the upload from idling out while its features are in use.
        byte[] imageBytes = uploads.getIfPresent(imageId);
        return features.get(imageId, id -> {
            if (imageBytes == null) {
                throw new OspreyException(Reason.NOT_FOUND, "image " + id + " is not held by this encoder (expired, forgotten,"
                        + " evicted or never uploaded here): upload the image again");
            }
            return encodeNow(id, imageBytes);
        });
    }

    /**
     * The uploaded bytes of an image this store holds.
     *
     * @throws OspreyException BAD_INPUT for a malformed id; NOT_FOUND when they are not held
     */
    public byte[] imageBytes(String imageId) {
        ImageId.require(imageId);
        byte[] imageBytes = uploads.getIfPresent(imageId);
        if (imageBytes == null) {
            throw new OspreyException(Reason.NOT_FOUND, "image " + imageId + " is not held by this encoder: upload the image again");
        }
        return imageBytes;
    }

    /**
     * Forgets an image's bytes and features.
     *
     * @return whether anything was held
     */
    public boolean forget(String imageId) {
        ImageId.require(imageId);
        return uploads.invalidate(imageId) | features.invalidate(imageId);
    }

    /** The feature cache, for its counters. */
    public LruLoadingCache<String, EncodedImage> featureCache() {
        return features;
    }

    /** Decoding and preprocessing, for its queue. */
    public ImagePreparation preparation() {
        return preparation;
    }

    /** The store of uploaded bytes, for its counters. */
    public LruLoadingCache<String, byte[]> uploads() {
        return uploads;
    }

    private EncodedImage encodeNow(String imageId, byte[] imageBytes) {
        ImagePreparation.Prepared image = preparation.prepare(imageBytes);
        return new EncodedImage(imageId, image.width(), image.height(), batcher.encode(image.pixelValues()));
    }
}
