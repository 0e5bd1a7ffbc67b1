package dev.osprey.llm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test: surefire's default includes leave {@code *Benchmark} classes out, so it
 * runs only when named. {@link GenerationQueue} against a plain bounded executor (a
 * {@link ThreadPoolExecutor} of {@code workers} threads on a queue of {@code capacity}, refusing
 * beyond it) with exactly as many clients as the two admit: each client sends a generation, waits
 * until it hears the end of it, and sends the next at once. None should ever be refused.
 *
 * <pre>
 * ./mvnw -B -o -ntp -pl llm-service -am test -Dtest=GenerationQueueBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Each generation spins for 50 µs; each client sends 5,000 and counts those refused (then sent again
 * until admitted).
 */
class GenerationQueueBenchmark {

    private static final int ROUNDS = 5_000;
    private static final long WORK_NANOS = 50_000;

    @Test
    void refusalsOfClientsWithinTheBound() throws Exception {
        System.out.println("workers capacity calls   queue: refused calls/s   executor: refused calls/s");
        for (int[] shape : new int[][] {{1, 0}, {1, 1}, {2, 2}, {4, 4}}) {
            int workers = shape[0];
            int capacity = shape[1];
            Result ours;
            try (GenerationQueue queue = new GenerationQueue(workers, capacity, Duration.ofSeconds(30))) {
                ours = closedLoop(workers + capacity, queue::offer);
            }
            ThreadPoolExecutor executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS,
                    capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity));
            executor.prestartAllCoreThreads();
            Result plain = closedLoop(workers + capacity, generation -> {
                try {
                    executor.execute(() -> generation.generate().run());
                    return true;
                } catch (RejectedExecutionException full) {
                    return false;
                }
            });
            executor.shutdown();
            System.out.printf(Locale.ROOT, "%-7d %-8d %-6d %-14d %-9.0f %-17d %.0f%n", workers, capacity, (workers + capacity) * ROUNDS,
                    ours.refused, ours.callsPerSecond, plain.refused, plain.callsPerSecond);
        }
    }

    private record Result(long refused, double callsPerSecond) {
    }

    // Clients in a closed loop; a refused call counts once and is sent again until admitted.
    private static Result closedLoop(int clients, Predicate<GenerationQueue.Generation> offer) throws Exception {
        LongAdder refused = new LongAdder();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    Semaphore ended = new Semaphore(0);
                    GenerationQueue.Generation generation = () -> {
                        spin();
                        return ended::release;
                    };
                    for (int i = 0; i < ROUNDS; i++) {
                        if (!offer.test(generation)) {
                            refused.increment();
                            while (!offer.test(generation)) {
                                Thread.onSpinWait();
                            }
                        }
                        ended.acquireUninterruptibly();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        return new Result(refused.sum(), (double) clients * ROUNDS / ((System.nanoTime() - start) / 1e9));
    }

    private static void spin() {
        long until = System.nanoTime() + WORK_NANOS;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }
}
