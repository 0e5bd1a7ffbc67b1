package dev.osprey.model.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * A cache bounded by the total weight (bytes) of its values, evicting the least recently used, that
 * computes a missing value once: threads asking for the same missing key while it is being computed
 * wait for that computation and share its result or failure. A failed computation is not cached.
 *
 * <pre>{@code
 * LruLoadingCache<String, Features> cache = new LruLoadingCache<>(512L << 20, Features::bytes);
 * Features features = cache.get(imageId, id -> encoder.encode(id));
 * }</pre>
 *
 * <p>A value heavier than the bound is returned but not kept. With an idle TTL, a value not read or
 * written for that long is dropped (counted as an expiration, not an eviction) the next time the cache
 * is used. Each value is weighed once, when it is stored. Loaders run on the calling thread, outside
 * any lock. Thread-safe.
 *
 * <p>Ours rather than Caffeine's, measured in {@code CacheBenchmark}: Caffeine admits a value larger
 * than its small LRU window (1% of the bound at first) only if it was asked for more often than the
 * value it would displace. Our values are few and large (a 256 MB feature cache holds 6 real images,
 * a 2 GB prefix cache 2 prefixes) and our traffic is users asking a few questions about a new image:
 * on that trace, bounded at 2 to 10 values, Caffeine answered 52–64% of requests from the cache where
 * this LRU answered 83%, and each miss costs an encode, a feature fetch or a prefill. Its policy
 * cannot be made LRU.
 *
 * @param <K> key type, with value-based {@code equals} and {@code hashCode}
 * @param <V> value type, immutable once stored
 */
public final class LruLoadingCache<K, V> implements CacheStats {

    /**
     * A value of the cache and, for the call whose loader computed it, what that loader made beside it.
     *
     * @param value     the cached, shared value
     * @param byProduct what the loader made along with the value for its own caller alone (e.g. a
     *                  prefill's logits beside the prefix it stores); empty when the call found the
     *                  value cached or shared another thread's computation
     * @param <T>       value type
     * @param <B>       by-product type
     */
    public record Loaded<T, B>(T value, Optional<B> byProduct) {

        /** What a loader of {@link #load} returns: {@code value} to cache and share, {@code byProduct} for its caller. */
        public static <T, B> Loaded<T, B> computed(T value, B byProduct) {
            return new Loaded<>(value, Optional.of(byProduct));
        }
    }

    /** A stored value, its weight and when it was last used (nanoseconds of the cache's clock). */
    private static final class Entry<V> {
        final V value;
        final long weight;
        long lastUsed;

        Entry(V value, long weight, long lastUsed) {
            this.value = value;
            this.weight = weight;
            this.lastUsed = lastUsed;
        }
    }

    private final long maxBytes;
    private final ToLongFunction<? super V> weigher;
    private final long idleTtlNanos;
    private final LongSupplier clock;
    // Guarded by this. Access order: iteration starts at the least recently used entry.
    private final LinkedHashMap<K, Entry<V>> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<K, CompletableFuture<V>> computing = new HashMap<>();
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;
    private long expirations;

    /** A cache of at most {@code maxBytes} of values as {@code weigher} weighs them, kept however long idle. */
    public LruLoadingCache(long maxBytes, ToLongFunction<? super V> weigher) {
        this(maxBytes, weigher, Duration.ZERO, System::nanoTime);
    }

    /**
     * A cache of at most {@code maxBytes} whose values are also dropped after {@code idleTtl} unused.
     *
     * @param idleTtl zero: values never expire
     * @param clock   monotonic nanoseconds ({@code System::nanoTime}; tests pass their own)
     */
    public LruLoadingCache(long maxBytes, ToLongFunction<? super V> weigher, Duration idleTtl, LongSupplier clock) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("a cache bound must be >= 0 bytes, got " + maxBytes);
        }
        if (idleTtl.isNegative()) {
            throw new IllegalArgumentException("an idle TTL must be >= 0, got " + idleTtl);
        }
        this.maxBytes = maxBytes;
        this.weigher = Objects.requireNonNull(weigher, "weigher");
        this.idleTtlNanos = idleTtl.toNanos();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The value of {@code key}, computed by {@code loader} if it is neither cached nor being computed
     * by another thread (then this waits for that computation and shares its result or failure).
     * Waiting for another thread's computation counts as a hit.
     */
    public V get(K key, Function<? super K, ? extends V> loader) {
        return load(key, k -> new Loaded<V, Void>(loader.apply(k), Optional.empty())).value();
    }

    /**
     * As {@link #get}, for a loader that makes something beside the value for its own caller: the
     * call that runs {@code loader} gets its by-product back, every other call the value alone.
     */
    public <B> Loaded<V, B> load(K key, Function<? super K, Loaded<V, B>> loader) {
        CompletableFuture<V> pending;
        CompletableFuture<V> mine = null;
        synchronized (this) {
            Entry<V> cached = lookup(key);
            if (cached != null) {
                hits++;
                return new Loaded<>(cached.value, Optional.empty());
            }
            pending = computing.get(key);
            if (pending == null) {
                misses++;
                mine = new CompletableFuture<>();
                computing.put(key, mine);
            } else {
                hits++;
            }
        }
        return mine != null ? compute(key, loader, mine) : new Loaded<>(await(pending), Optional.empty());
    }

    /** The value of {@code key} if it is stored now (counted as a hit or a miss); never computes. */
    public synchronized V getIfPresent(K key) {
        Entry<V> cached = lookup(key);
        if (cached == null) {
            misses++;
            return null;
        }
        hits++;
        return cached.value;
    }

    /** Stores {@code value} under {@code key}, replacing what was there, and marks it most recently used. */
    public synchronized void put(K key, V value) {
        expireIdle();
        keep(key, Objects.requireNonNull(value, "value"));
    }

    /**
     * Drops {@code key}'s value. A computation of it that is under way still answers the threads
     * waiting for it, but its result is not stored.
     *
     * @return whether a value was stored or being computed
     */
    public synchronized boolean invalidate(K key) {
        Entry<V> removed = entries.remove(key);
        if (removed != null) {
            bytes -= removed.weight;
        }
        return computing.remove(key) != null | removed != null;
    }

    /**
     * Drops every key that {@code doomed} accepts, as {@link #invalidate} drops one.
     *
     * @return how many were stored or being computed
     */
    public synchronized int invalidateIf(Predicate<? super K> doomed) {
        List<K> keys = new ArrayList<>();
        entries.keySet().stream().filter(doomed).forEach(keys::add);
        computing.keySet().stream().filter(doomed).filter(k -> !keys.contains(k)).forEach(keys::add);
        keys.forEach(this::invalidate);
        return keys.size();
    }

    /** Drops the values idle for longer than the TTL now, rather than at the next use. */
    public synchronized void expireIdle() {
        if (idleTtlNanos == 0) {
            return;
        }
        long now = clock.getAsLong();
        Iterator<Entry<V>> eldest = entries.values().iterator();
        while (eldest.hasNext()) {
            Entry<V> entry = eldest.next();
            if (now - entry.lastUsed < idleTtlNanos) {
                return;
            }
            bytes -= entry.weight;
            eldest.remove();
            expirations++;
        }
    }

    private Entry<V> lookup(K key) {
        expireIdle();
        Entry<V> cached = entries.get(key);
        if (cached != null) {
            cached.lastUsed = clock.getAsLong();
        }
        return cached;
    }

    private <B> Loaded<V, B> compute(K key, Function<? super K, Loaded<V, B>> loader, CompletableFuture<V> mine) {
        Loaded<V, B> loaded;
        try {
            loaded = loader.apply(key);
            Objects.requireNonNull(loaded.value(), "the cache loader returned null");
        } catch (RuntimeException | Error e) {
            // Forget the failure so that the next request tries again.
            synchronized (this) {
                computing.remove(key, mine);
            }
            mine.completeExceptionally(e);
            throw e;
        }
        synchronized (this) {
            // Not registered any more: invalidated while computing, so the value must not come back.
            if (computing.remove(key, mine)) {
                expireIdle();
                keep(key, loaded.value());
            }
        }
        mine.complete(loaded.value());
        return loaded;
    }

    private void keep(K key, V value) {
        Entry<V> replaced = entries.remove(key);
        if (replaced != null) {
            bytes -= replaced.weight;
        }
        long weight = weigher.applyAsLong(value);
        if (weight > maxBytes) {
            return;
        }
        entries.put(key, new Entry<>(value, weight, clock.getAsLong()));
        bytes += weight;
        Iterator<Entry<V>> eldest = entries.values().iterator();
        while (bytes > maxBytes) {
            bytes -= eldest.next().weight;
            eldest.remove();
            evictions++;
        }
    }

    private static <V> V await(CompletableFuture<V> pending) {
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

    /** Weight of the values held now. */
    @Override
    public synchronized long bytes() {
        expireIdle();
        return bytes;
    }

    /** Values held now. */
    @Override
    public synchronized int size() {
        expireIdle();
        return entries.size();
    }

    /** Requests answered without computing: from the cache, or by waiting for another thread's computation. */
    @Override
    public synchronized long hits() {
        return hits;
    }

    /** Requests that computed their value (failed computations included) or found nothing. */
    @Override
    public synchronized long misses() {
        return misses;
    }

    /** Values dropped to stay within the bound. */
    @Override
    public synchronized long evictions() {
        return evictions;
    }

    /** Values dropped after the idle TTL. */
    @Override
    public synchronized long expirations() {
        return expirations;
    }
}
