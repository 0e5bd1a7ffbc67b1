package dev.osprey.model.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What the cache adds beyond the prefix cache's LRU and compute-once behaviour (tested in
 * {@code PrefixCacheTest}): stored values, idle expiry and invalidation.
 */
class LruLoadingCacheTest {

    private final AtomicLong now = new AtomicLong();

    private LruLoadingCache<String, byte[]> cache(long maxBytes, Duration idleTtl) {
        return new LruLoadingCache<>(maxBytes, value -> value.length, idleTtl, now::get);
    }

    @Test
    void aValueUnusedForTheIdleTtlExpiresWhileOneInUseStays() {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ofSeconds(10));
        cache.put("a", new byte[10]);
        cache.put("b", new byte[20]);
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(cache.getIfPresent("a")).hasSize(10);
        now.addAndGet(Duration.ofSeconds(6).toNanos());

        assertThat(cache.getIfPresent("b")).isNull();
        assertThat(cache.getIfPresent("a")).hasSize(10);
        assertThat(cache.expirations()).isOne();
        assertThat(cache.evictions()).isZero();
        assertThat(cache.bytes()).isEqualTo(10);
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isOne();
    }

    @Test
    void expireIdleDropsValuesWithoutAnyRequest() {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ofSeconds(10));
        cache.put("a", new byte[10]);
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        cache.expireIdle();
        assertThat(cache.expirations()).isOne();
        assertThat(cache.size()).isZero();
    }

    @Test
    void aZeroTtlKeepsValuesForever() {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ZERO);
        cache.put("a", new byte[10]);
        now.addAndGet(Duration.ofDays(365).toNanos());
        assertThat(cache.getIfPresent("a")).isNotNull();
    }

    @Test
    void putReplacesAValueAndReweighsIt() {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ZERO);
        cache.put("a", new byte[10]);
        cache.put("b", new byte[10]);
        cache.put("a", new byte[70]);
        assertThat(cache.bytes()).isEqualTo(80);
        cache.put("c", new byte[30]);
        assertThat(cache.getIfPresent("b")).as("b was the least recently used").isNull();
        assertThat(cache.bytes()).isEqualTo(100);
        assertThat(cache.evictions()).isOne();
    }

    @Test
    void invalidateDropsAValue() {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ZERO);
        cache.put("a", new byte[10]);
        assertThat(cache.invalidate("a")).isTrue();
        assertThat(cache.invalidate("a")).isFalse();
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void invalidateIfDropsEveryMatchingValue() {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ZERO);
        cache.put("img1:a", new byte[10]);
        cache.put("img1:b", new byte[10]);
        cache.put("img2:a", new byte[10]);
        assertThat(cache.invalidateIf(k -> k.startsWith("img1:"))).isEqualTo(2);
        assertThat(cache.size()).isOne();
        assertThat(cache.bytes()).isEqualTo(10);
        assertThat(cache.invalidateIf(k -> k.startsWith("img1:"))).isZero();
    }

    @Test
    void aValueInvalidatedWhileBeingComputedReachesItsCallerButIsNotStored() throws Exception {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ZERO);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch invalidated = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<byte[]> computed = pool.submit(() -> cache.get("a", key -> {
                started.countDown();
                await(invalidated);
                return new byte[10];
            }));
            await(started);
            assertThat(cache.invalidate("a")).isTrue();
            invalidated.countDown();
            assertThat(computed.get(20, TimeUnit.SECONDS)).hasSize(10);
        }
        assertThat(cache.size()).isZero();
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void onlyTheCallThatComputedAValueGetsItsLoadersByProduct() throws Exception {
        LruLoadingCache<String, byte[]> cache = cache(100, Duration.ZERO);
        Function<String, LruLoadingCache.Loaded<byte[], String>> loader = key -> {
            // Finish only once the other call waits for this computation.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.hits() < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            return LruLoadingCache.Loaded.computed(new byte[10], "logits of " + key);
        };
        List<LruLoadingCache.Loaded<byte[], String>> loaded = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<LruLoadingCache.Loaded<byte[], String>> first = pool.submit(() -> cache.load("a", loader));
            Future<LruLoadingCache.Loaded<byte[], String>> second = pool.submit(() -> cache.load("a", loader));
            loaded.add(first.get(20, TimeUnit.SECONDS));
            loaded.add(second.get(20, TimeUnit.SECONDS));
        }
        assertThat(loaded).extracting(LruLoadingCache.Loaded::byProduct)
                .containsExactlyInAnyOrder(Optional.of("logits of a"), Optional.empty());
        assertThat(loaded.getFirst().value()).isSameAs(loaded.getLast().value());
        assertThat(cache.load("a", loader).byProduct()).as("a cached value").isEmpty();
        assertThat(cache.misses()).isOne();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
