package dev.osprey.model.decode;

import dev.osprey.model.cache.CacheStats;
import dev.osprey.model.cache.LruLoadingCache;
import dev.osprey.model.error.OspreyException;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The KV of each image's shared prompt prefix [BOS, system text, "USER:", image tokens], computed once
 * per bundle and image and reused by every later question about that image, which then prefills only
 * its own tokens ({@link KvCache#load}, {@link DecoderSession#prefillAfter}).
 *
 * <pre>{@code
 * PrefixKv prefix = prefixes.get(new PrefixCache.Key(bundleId, imageId, textDigest),
 *         key -> decoder.prefixKv(prefixEmbeds, prefixLength, cancellation));
 * prefixes.invalidateImage(bundleId, imageId); // the image was deleted
 * }</pre>
 * Bounded by the total bytes of its entries, evicting the least recently used; an entry larger than
 * the bound is computed and returned but not kept. Safe for concurrent use: threads asking for the
 * same missing key share one computation; a failed computation is not cached (all of it is
 * {@link LruLoadingCache}'s, keyed and weighed for prefixes).
 */
public final class PrefixCache implements CacheStats {

    /**
     * Which prefix.
     *
     * @param bundle     identifies the model bundle (weights, template and system text)
     * @param image      identifies the image within that bundle's traffic
     * @param textDigest identifies the prompt text before the image (a template or history that puts
     *                   other text there has another prefix)
     */
    public record Key(String bundle, String image, String textDigest) {

        /** Every part is required. */
        public Key {
            Objects.requireNonNull(bundle, "bundle");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(textDigest, "textDigest");
        }
    }

    private final LruLoadingCache<Key, PrefixKv> cache;

    /** An empty cache holding at most {@code maxBytes} of prefixes ({@link PrefixKv#bytes()}). */
    public PrefixCache(long maxBytes) {
        if (maxBytes < 0) {
            throw OspreyException.badInput("a prefix cache bound must be ≥ 0 bytes, got " + maxBytes);
        }
        this.cache = new LruLoadingCache<>(maxBytes, PrefixKv::bytes);
    }

    /**
     * The prefix of {@code key}, computed by {@code loader} if it is neither cached nor being computed
     * by another thread (then this waits for that computation and shares its result or failure).
     * The loader runs on the calling thread, outside any lock.
     */
    public PrefixKv get(Key key, Function<Key, PrefixKv> loader) {
        return cache.get(key, loader);
    }

    /**
     * As {@link #get}, for a loader that makes something beside the prefix for its own caller (the
     * logits of the run that prefilled a whole prompt, of which the prefix is the start): only the
     * call that ran {@code loader} gets that back.
     */
    public <B> LruLoadingCache.Loaded<PrefixKv, B> load(Key key, Function<Key, LruLoadingCache.Loaded<PrefixKv, B>> loader) {
        return cache.load(key, loader);
    }

    /** Drops the prefixes whose key {@code doomed} accepts; returns how many there were. */
    public int invalidateIf(Predicate<Key> doomed) {
        return cache.invalidateIf(doomed);
    }

    /**
     * Drops every prefix of {@code image} in {@code bundle}, whatever text came before the image
     * (e.g. when the image is deleted); returns how many there were.
     */
    public int invalidateImage(String bundle, String image) {
        return invalidateIf(key -> key.bundle().equals(bundle) && key.image().equals(image));
    }

    /** The bound on {@link #bytes()}. */
    public long maxBytes() {
        return cache.maxBytes();
    }

    /** Bytes of the prefixes held now. */
    @Override
    public long bytes() {
        return cache.bytes();
    }

    /** Prefixes held now. */
    @Override
    public int size() {
        return cache.size();
    }

    /** Requests answered without computing: from the cache, or by waiting for another thread's computation. */
    @Override
    public long hits() {
        return cache.hits();
    }

    /** Requests that computed their prefix (failed computations included). */
    @Override
    public long misses() {
        return cache.misses();
    }

    /** Prefixes dropped to stay within the bound. */
    @Override
    public long evictions() {
        return cache.evictions();
    }

    /** Always 0: prefixes do not expire; they leave by eviction or {@link #invalidateIf}. */
    @Override
    public long expirations() {
        return cache.expirations();
    }
}
