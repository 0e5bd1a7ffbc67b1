package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The prefix cache's LRU byte bound, its counters and its compute-once behaviour under concurrency. */
class PrefixCacheTest {

    private static final PrefixCache.Key A = key("a");
    private static final PrefixCache.Key B = key("b");
    private static final PrefixCache.Key C = key("c");
    private static final PrefixCache.Key D = key("d");

    @Test
    void evictsTheLeastRecentlyUsedPrefixToStayWithinTheBound() {
        PrefixCache cache = new PrefixCache(100);
        for (PrefixCache.Key key : List.of(A, B, C)) {
            cache.get(key, prefixOf(4));
        }
        assertThat(cache.bytes()).isEqualTo(96);
        cache.get(A, failing());
        cache.get(D, prefixOf(4));

        assertThat(cache.evictions()).as("B was the least recently used").isOne();
        assertThat(cache.bytes()).isEqualTo(96);
        assertThat(cache.size()).isEqualTo(3);
        for (PrefixCache.Key key : List.of(A, C, D)) {
            cache.get(key, failing());
        }
        assertThat(cache.hits()).isEqualTo(4);
        assertThat(cache.misses()).isEqualTo(4);
        cache.get(B, prefixOf(4));
        assertThat(cache.misses()).isEqualTo(5);
    }

    @Test
    void aLargePrefixEvictsAsManyOldOnesAsItNeeds() {
        PrefixCache cache = new PrefixCache(100);
        for (PrefixCache.Key key : List.of(A, B, C)) {
            cache.get(key, prefixOf(4));
        }
        cache.get(D, prefixOf(8));
        assertThat(cache.evictions()).as("A and B made room for 64 bytes").isEqualTo(2);
        assertThat(cache.bytes()).isEqualTo(64 + 32);
        assertThat(cache.bytes()).isLessThanOrEqualTo(cache.maxBytes());
    }

    @Test
    void aPrefixLargerThanTheBoundIsReturnedButNotKept() {
        PrefixCache cache = new PrefixCache(100);
        cache.get(A, prefixOf(4));
        assertThat(cache.get(B, prefixOf(13)).bytes()).isEqualTo(104);
        assertThat(cache.size()).isOne();
        assertThat(cache.bytes()).isEqualTo(32);
        assertThat(cache.evictions()).isZero();
        cache.get(B, prefixOf(13));
        assertThat(cache.misses()).isEqualTo(3);
    }

    @Test
    void manyThreadsAskingForOneMissingPrefixComputeItOnce() throws Exception {
        int threads = 16;
        PrefixCache cache = new PrefixCache(1 << 20);
        AtomicInteger computations = new AtomicInteger();
        PrefixKv computed = prefix(4);
        Function<PrefixCache.Key, PrefixKv> loader = key -> {
            computations.incrementAndGet();
            // Finish only once every other thread waits for this computation.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.hits() < threads - 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            return computed;
        };
        List<Future<PrefixKv>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> cache.get(A, loader)));
            }
            for (Future<PrefixKv> result : results) {
                assertThat(result.get(20, TimeUnit.SECONDS)).isSameAs(computed);
            }
        }
        assertThat(computations.get()).isOne();
        assertThat(cache.misses()).isOne();
        assertThat(cache.hits()).isEqualTo(threads - 1);
    }

    @Test
    void aFailedComputationReachesItsWaitersAndIsNotCached() throws Exception {
        PrefixCache cache = new PrefixCache(1 << 20);
        IllegalStateException failure = new IllegalStateException("decoder failed");
        Function<PrefixCache.Key, PrefixKv> loader = key -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.hits() < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            throw failure;
        };
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<PrefixKv> first = pool.submit(() -> cache.get(A, loader));
            Future<PrefixKv> second = pool.submit(() -> cache.get(A, loader));
            for (Future<PrefixKv> result : List.of(first, second)) {
                assertThatThrownBy(() -> result.get(20, TimeUnit.SECONDS)).cause().isSameAs(failure);
            }
        }
        assertThat(cache.size()).isZero();
        assertThat(cache.get(A, prefixOf(4)).length()).isEqualTo(4);
        assertThat(cache.misses()).isEqualTo(2);
        assertThat(cache.size()).isOne();
    }

    @Test
    void invalidateImageDropsEveryPrefixOfThatImageInThatBundleOnly() {
        PrefixCache cache = new PrefixCache(1 << 20);
        List<PrefixCache.Key> doomed = List.of(new PrefixCache.Key("b1", "img1", "t1"), new PrefixCache.Key("b1", "img1", "t2"));
        List<PrefixCache.Key> kept = List.of(new PrefixCache.Key("b1", "img10", "t1"), new PrefixCache.Key("b2", "img1", "t1"));
        for (PrefixCache.Key key : List.of(doomed.get(0), doomed.get(1), kept.get(0), kept.get(1))) {
            cache.get(key, prefixOf(1));
        }

        assertThat(cache.invalidateImage("b1", "img1")).isEqualTo(2);

        assertThat(cache.size()).isEqualTo(2);
        for (PrefixCache.Key key : kept) {
            cache.get(key, failing());
        }
        assertThat(cache.invalidateImage("b1", "img1")).isZero();
    }

    private static PrefixCache.Key key(String image) {
        return new PrefixCache.Key("bundle", image, "text");
    }

    /** A one-layer, one-head, width-1 prefix: 8 bytes per position. */
    private static PrefixKv prefix(int length) {
        return new PrefixKv(length, 1, 1, new float[1][length], new float[1][length]);
    }

    private static Function<PrefixCache.Key, PrefixKv> prefixOf(int length) {
        return key -> prefix(length);
    }

    private static Function<PrefixCache.Key, PrefixKv> failing() {
        return key -> {
            throw new AssertionError("computed " + key + " although it should be cached");
        };
    }
}
