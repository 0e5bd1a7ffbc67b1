package dev.osprey.e2e;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Drives the soak's requests, each on a virtual thread of its own: closed loops (a number of
 * clients, each asking again once answered: what the stack can do) and an open loop (requests
 * started at a fixed rate whether or not earlier ones were answered: what clients ask of it).
 */
final class SoakLoad implements AutoCloseable {

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Starts one request now. */
    void submit(Runnable request) {
        inFlight.incrementAndGet();
        threads.execute(() -> {
            try {
                request.run();
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    /** Starts requests at {@code perSecond}, open loop, while {@code going} holds; returns without waiting for them. */
    void atRate(double perSecond, BooleanSupplier going, Supplier<Runnable> next) {
        long interval = (long) (1e9 / perSecond);
        long due = System.nanoTime();
        while (going.getAsBoolean()) {
            submit(next.get());
            due += interval;
            // Pacing the generator: the one place this suite waits for time rather than for a condition.
            LockSupport.parkNanos(due - System.nanoTime());
        }
    }

    /** {@code clients} closed loops of requests for {@code length}; returns when the last request has ended. */
    void closedLoops(int clients, Duration length, Supplier<Runnable> next) throws InterruptedException {
        long end = System.nanoTime() + length.toNanos();
        List<Thread> loops = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            loops.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    next.get().run();
                }
            }));
        }
        for (Thread loop : loops) {
            loop.join();
        }
    }

    /** Waits until every request started has ended (each ends by its client timeout at the latest). */
    void awaitAllEnded(Duration atMost) {
        await("every soak request ended").atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> inFlight.get() == 0);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
