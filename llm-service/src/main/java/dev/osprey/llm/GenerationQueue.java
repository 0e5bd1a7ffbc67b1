package dev.osprey.llm;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded admission for generations: at most {@code workers} run at once on worker threads, at most
 * {@code capacity} more wait for one, and a request beyond that is refused at once rather than
 * queued without bound (the caller answers RESOURCE_EXHAUSTED). A slot is free again the moment its
 * generation returns, so a cancelled generation makes room as soon as it stops.
 *
 * <p>Not a {@code ThreadPoolExecutor} on a bounded queue alone: there a place is
 * free only once a worker takes the next task, after the finished generation's call has ended, so a
 * client that sends again on hearing the end can be refused within the bound (3–5% of such calls in
 * {@code GenerationQueueBenchmark}, none here). Admission is therefore counted here and released
 * before the call ends; the executor only runs what was admitted.
 */
final class GenerationQueue implements AutoCloseable {

    /** A generation to run on a worker. */
    @FunctionalInterface
    interface Generation {

        /**
         * Generates, and returns what to do once the worker's slot is free again: ending the call only
         * then means a client that has heard the end of its call finds the slot free.
         */
        Runnable generate();
    }

    private static final Logger log = LoggerFactory.getLogger(GenerationQueue.class);

    private final int workers;
    private final int capacity;
    private final Duration drainTimeout;
    private final ExecutorService executor;
    // Admitted = running + waiting; bounded by workers + capacity.
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();

    /**
     * @param workers      generations that run at once, ≥ 1
     * @param capacity     admitted generations that may wait for a worker, ≥ 0
     * @param drainTimeout how long {@link #close} waits for running generations
     */
    GenerationQueue(int workers, int capacity, Duration drainTimeout) {
        if (workers < 1 || capacity < 0) {
            throw new IllegalArgumentException("workers must be >= 1 and the queue capacity >= 0, got " + workers + " and " + capacity);
        }
        this.workers = workers;
        this.capacity = capacity;
        this.drainTimeout = drainTimeout;
        this.executor = Executors.newFixedThreadPool(workers, Thread.ofPlatform().name("llm-generate-", 1).factory());
    }

    /** Admits {@code generation} to run on a worker; false, and nothing runs, when the queue is full or closed. */
    boolean offer(Generation generation) {
        int now;
        do {
            now = admitted.get();
            if (now >= workers + capacity) {
                rejected.increment();
                return false;
            }
        } while (!admitted.compareAndSet(now, now + 1));
        try {
            executor.execute(() -> {
                running.incrementAndGet();
                Runnable afterwards;
                try {
                    afterwards = generation.generate();
                } finally {
                    running.decrementAndGet();
                    admitted.decrementAndGet();
                }
                afterwards.run();
            });
            return true;
        } catch (RejectedExecutionException closed) {
            admitted.decrementAndGet();
            rejected.increment();
            return false;
        }
    }

    /** Generations running now. */
    int running() {
        return running.get();
    }

    /** Admitted generations waiting for a worker. */
    int waiting() {
        return Math.max(0, admitted.get() - running.get());
    }

    /** Requests refused because the queue was full (or closed). */
    long rejected() {
        return rejected.sum();
    }

    /** Workers, for messages. */
    int workers() {
        return workers;
    }

    /** Waiting places, for messages. */
    int capacity() {
        return capacity;
    }

    /**
     * Takes no more generations and waits for the admitted ones. By now the gRPC server has drained or
     * cancelled its calls, so they end within a decoder step; the model must not close under them.
     */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{} generation(s) still running after {}; closing anyway", running(), drainTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
