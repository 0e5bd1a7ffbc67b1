package dev.osprey.model.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test: surefire's default includes leave {@code *Benchmark} classes out, so it
 * runs only when named. {@link LruLoadingCache} against Caffeine (W-TinyLFU) on what our caches
 * hold: few values, each a large share of the bound (an image's features, an image's prefix KV).
 *
 * <pre>
 * ./mvnw -B -o -ntp -pl model -am test -Dtest=CacheBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Hit ratios on two request traces, for bounds of 2 to 200 values: <em>sessions</em>, the services'
 * traffic (users each ask a few questions about their current image, then move to a new one; a tenth
 * of new images are recent ones again), and <em>zipf</em>, a fixed set of images asked by popularity.
 * Then reads per second of values that are cached, on 8 threads.
 */
class CacheBenchmark {

    private static final long VALUE_BYTES = 1 << 20;
    private static final int REQUESTS = 200_000;

    @Test
    void hitRatios() {
        System.out.println("trace     bound(values) users     lru     caffeine");
        for (int bound : new int[] {2, 6, 10, 40, 200}) {
            for (int users : new int[] {bound / 2, bound, bound * 2}) {
                row("sessions", bound, users, sessions(users, 5, new SplittableRandom(bound * 31L + users)));
            }
            row("zipf", bound, 0, zipf(bound * 10, 1.0, new SplittableRandom(bound)));
        }
    }

    @Test
    void readsOfCachedValues() throws Exception {
        int threads = 8;
        int keys = 64;
        LruLoadingCache<Integer, byte[]> lru = new LruLoadingCache<>(keys * VALUE_BYTES, v -> VALUE_BYTES);
        Cache<Integer, byte[]> caffeine = Caffeine.newBuilder().maximumWeight(keys * VALUE_BYTES)
                .weigher((Integer k, byte[] v) -> (int) VALUE_BYTES).recordStats().build();
        byte[] value = new byte[1];
        for (int k = 0; k < keys; k++) {
            lru.put(k, value);
            caffeine.put(k, value);
        }
        for (int round = 0; round < 3; round++) {
            double ours = readsPerSecond(threads, keys, key -> lru.get(key, k -> value));
            double theirs = readsPerSecond(threads, keys, key -> caffeine.get(key, k -> value));
            System.out.printf(Locale.ROOT, "reads/s on %d threads: lru %.1f M, caffeine %.1f M%n", threads, ours / 1e6, theirs / 1e6);
        }
    }

    private static void row(String trace, int bound, int users, int[] requests) {
        LruLoadingCache<Integer, byte[]> lru = new LruLoadingCache<>(bound * VALUE_BYTES, v -> VALUE_BYTES);
        // As a service would build it: loads on the caller, maintenance on the caller (deterministic).
        Cache<Integer, byte[]> caffeine = Caffeine.newBuilder().maximumWeight(bound * VALUE_BYTES)
                .weigher((Integer k, byte[] v) -> (int) VALUE_BYTES).executor(Runnable::run).recordStats().build();
        byte[] value = new byte[1];
        for (int key : requests) {
            lru.get(key, k -> value);
            caffeine.get(key, k -> value);
        }
        System.out.printf(Locale.ROOT, "%-9s %-13d %-9s %.3f   %.3f%n", trace, bound, users == 0 ? "-" : users,
                (double) lru.hits() / requests.length, caffeine.stats().hitRate());
    }

    // Users, each on one image at a time: a request is a question about the user's image or, with
    // probability 1/(questions+1), the upload of a new one (a tenth of them one of the last 100 images).
    private static int[] sessions(int users, int questions, SplittableRandom random) {
        int[] current = new int[users];
        int next = 0;
        for (int u = 0; u < users; u++) {
            current[u] = next++;
        }
        int[] requests = new int[REQUESTS];
        for (int i = 0; i < requests.length; i++) {
            int u = random.nextInt(users);
            if (random.nextInt(questions + 1) == 0) {
                current[u] = random.nextInt(10) == 0 && next > 100 ? next - 1 - random.nextInt(100) : next++;
            }
            requests[i] = current[u];
        }
        return requests;
    }

    // Images 0..n-1, image k asked with probability proportional to 1/(k+1)^s.
    private static int[] zipf(int n, double s, SplittableRandom random) {
        double[] cumulative = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1 / Math.pow(k + 1, s);
            cumulative[k] = sum;
        }
        int[] requests = new int[REQUESTS];
        for (int i = 0; i < requests.length; i++) {
            int k = Arrays.binarySearch(cumulative, random.nextDouble(sum));
            requests[i] = k >= 0 ? k : -k - 1;
        }
        return requests;
    }

    private static double readsPerSecond(int threads, int keys, Function<Integer, byte[]> read) throws Exception {
        int perThread = 2_000_000;
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int i = 0; i < perThread; i++) {
                        read.apply(random.nextInt(keys));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        return (double) threads * perThread / ((System.nanoTime() - start) / 1e9);
    }
}
