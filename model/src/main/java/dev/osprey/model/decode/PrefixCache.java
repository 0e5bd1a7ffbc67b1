package dev.osprey.model.decode;

import dev.osprey.model.error.OspreyException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The KV of each image's shared prompt prefix [BOS, system text, "USER:", image tokens], computed once
 * per bundle and image and reused by every later question about that image, which then prefills only
 * its own tokens ({@link KvCache#load}, {@link DecoderSession#prefillAfter}).
 *
 * <pre>{@code
 * PrefixKv prefix = prefixes.get(new PrefixCache.Key(bundleId, imageId),
 *         key -> decoder.prefixKv(prefixEmbeds, prefixLength));
 * }</pre>
 * Bounded by the total bytes of its entries, evicting the least recently used; an entry larger than
 * the bound is computed and returned but not kept. Safe for concurrent use: threads asking for the
 * same missing key share one computation; a failed computation is not cached.
 */
public final class PrefixCache {

    /**
     * Which prefix.
     *
     * @param bundle identifies the model bundle (weights, template and system text)
     * @param image  identifies the image within that bundle's traffic
     */
    public record Key(String bundle, String image) {

        /** Both parts are required. */
        public Key {
            Objects.requireNonNull(bundle, "bundle");
            Objects.requireNonNull(image, "image");
        }
    }

    private final long maxBytes;
    // Guarded by this. Access order: iteration starts at the least recently used entry.
    private final LinkedHashMap<Key, PrefixKv> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Key, CompletableFuture<PrefixKv>> computing = new HashMap<>();
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;

    /** An empty cache holding at most {@code maxBytes} of prefixes ({@link PrefixKv#bytes()}). */
    public PrefixCache(long maxBytes) {
        if (maxBytes < 0) {
            throw OspreyException.badInput("a prefix cache bound must be ≥ 0 bytes, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /**
     * The prefix of {@code key}, computed by {@code loader} if it is neither cached nor being computed
     * by another thread (then this waits for that computation and shares its result or failure).
     * The loader runs on the calling thread, outside any lock.
     */
    public PrefixKv get(Key key, Function<Key, PrefixKv> loader) {
        CompletableFuture<PrefixKv> pending;
        synchronized (this) {
            PrefixKv cached = entries.get(key);
            if (cached != null) {
                hits++;
                return cached;
            }
            pending = computing.get(key);
            if (pending == null) {
                misses++;
                computing.put(key, new CompletableFuture<>());
            } else {
                hits++;
            }
        }
        return pending == null ? compute(key, loader) : await(pending);
    }

    private PrefixKv compute(Key key, Function<Key, PrefixKv> loader) {
        PrefixKv prefix;
        try {
            prefix = Objects.requireNonNull(loader.apply(key), "the prefix loader returned null");
        } catch (RuntimeException | Error e) {
            // Forget the failure so that the next request tries again.
            CompletableFuture<PrefixKv> pending;
            synchronized (this) {
                pending = computing.remove(key);
            }
            pending.completeExceptionally(e);
            throw e;
        }
        CompletableFuture<PrefixKv> pending;
        synchronized (this) {
            pending = computing.remove(key);
            keep(key, prefix);
        }
        pending.complete(prefix);
        return prefix;
    }

    private void keep(Key key, PrefixKv prefix) {
        if (prefix.bytes() > maxBytes) {
            return;
        }
        entries.put(key, prefix);
        bytes += prefix.bytes();
        var eldest = entries.entrySet().iterator();
        while (bytes > maxBytes) {
            bytes -= eldest.next().getValue().bytes();
            eldest.remove();
            evictions++;
        }
    }

    private static PrefixKv await(CompletableFuture<PrefixKv> pending) {
        try {
            return pending.join();
        } catch (CompletionException e) {
            // compute() completes exceptionally only with what the loader threw: unchecked by its type.
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) e.getCause();
        }
    }

    /** The bound on {@link #bytes()}. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes of the prefixes held now. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Prefixes held now. */
    public synchronized int size() {
        return entries.size();
    }

    /** Requests answered without computing: from the cache, or by waiting for another thread's computation. */
    public synchronized long hits() {
        return hits;
    }

    /** Requests that computed their prefix (failed computations included). */
    public synchronized long misses() {
        return misses;
    }

    /** Prefixes dropped to stay within the bound. */
    public synchronized long evictions() {
        return evictions;
    }
}
