package dev.osprey.llm;

import dev.osprey.model.decode.Cancellation;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm-ups of uploaded images' prefixes, run in the background below questions: a bounded queue
 * (when full, the oldest warm-up is dropped for the newest, since the newest upload is likelier to
 * be asked about next) and one thread of its own that runs one warm-up at a time, and starts one
 * only while no question is running or waiting for a worker.
 *
 * <p>Why a thread of its own rather than a {@link GenerationQueue} slot: a warm-up must never take a
 * place a question could have had, nor make a question be refused as busy. A question that arrives
 * while a warm-up runs is admitted and starts at once beside it (the decoder runs concurrent calls);
 * if it is about the image being warmed it joins that computation instead of making its own. The
 * price is that such a question shares the cores with the warm-up's prefill until it ends.
 *
 * <p>An image's warm-up is queued once however often it is offered, and {@link #forget} cancels it,
 * the decoder run in progress included. Thread-safe.
 */
final class WarmUps implements AutoCloseable {

    /** One image's warm-up. */
    @FunctionalInterface
    interface Warm {

        /** Computes the prefix unless {@code cancellation} stops it; whether it computed one (false: cached already). */
        boolean warm(Cancellation cancellation);
    }

    /** How a warm-up that ran ended. */
    enum Outcome { COMPUTED, CACHED, FAILED }

    /** Why a warm-up was dropped before it ended. */
    enum Drop { FULL, CANCELLED }

    private record Pending(String imageId, Warm warm, Cancellation cancellation) { }

    private static final Logger log = LoggerFactory.getLogger(WarmUps.class);
    // The longest a queued warm-up waits to see that the questions are done, should no wake-up come.
    private static final Duration RECHECK = Duration.ofMillis(100);

    private final int capacity;
    private final BooleanSupplier questionsBusy;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock; oldest first.
    private final Deque<Pending> queue = new ArrayDeque<>();
    private Pending running;
    private boolean closed;
    private final LongAdder[] outcomes = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder[] drops = {new LongAdder(), new LongAdder()};
    private final Thread thread;

    /**
     * @param capacity      warm-ups that may wait; 0 turns warming off ({@link #offer} then refuses all)
     * @param questionsBusy whether a question is running or waiting; a warm-up starts only when not
     */
    WarmUps(int capacity, BooleanSupplier questionsBusy) {
        if (capacity < 0) {
            throw new IllegalArgumentException("the warm-up queue size must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
        this.questionsBusy = questionsBusy;
        this.thread = Thread.ofPlatform().name("llm-warm-up").daemon().start(this::runAll);
    }

    /**
     * Queues {@code warm} for {@code imageId}, dropping the oldest queued warm-up when the queue is full.
     *
     * @return whether the image's warm-up is queued or running now; false when warming is off or closed
     */
    boolean offer(String imageId, Warm warm) {
        lock.lock();
        try {
            if (closed || capacity == 0) {
                return false;
            }
            if (running != null && running.imageId.equals(imageId) && !running.cancellation.cancelled()
                    || queue.stream().anyMatch(p -> p.imageId.equals(imageId))) {
                return true;
            }
            if (queue.size() == capacity) {
                queue.removeFirst();
                drops[Drop.FULL.ordinal()].increment();
            }
            queue.addLast(new Pending(imageId, warm, new Cancellation()));
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Cancels the image's warm-up, queued or running (the image was deleted).
     *
     * @return whether there was one
     */
    boolean forget(String imageId) {
        lock.lock();
        try {
            boolean queued = queue.removeIf(p -> p.imageId.equals(imageId));
            if (queued) {
                drops[Drop.CANCELLED.ordinal()].increment();
            }
            if (running != null && running.imageId.equals(imageId)) {
                running.cancellation.cancel();
                return true;
            }
            return queued;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the warm-up thread to look again whether questions are busy (a question ended). */
    void questionsChanged() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void runAll() {
        Pending next;
        while ((next = take()) != null) {
            Outcome outcome;
            try {
                outcome = next.warm.warm(next.cancellation) ? Outcome.COMPUTED : Outcome.CACHED;
            } catch (RuntimeException | Error e) {
                // A warm-up is an optimisation: its question will compute the prefix (and report any error) itself.
                log.warn("warm-up of image {} failed: {}", next.imageId, e.toString());
                outcome = Outcome.FAILED;
            }
            finish(next, outcome);
        }
    }

    // The oldest warm-up once no question is busy; null once closed.
    private Pending take() {
        lock.lock();
        try {
            while (!closed && (queue.isEmpty() || questionsBusy.getAsBoolean())) {
                changed.await(RECHECK.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (closed) {
                return null;
            }
            running = queue.removeFirst();
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void finish(Pending pending, Outcome outcome) {
        lock.lock();
        try {
            running = null;
            pending.cancellation.close();
            if (pending.cancellation.cancelled()) {
                drops[Drop.CANCELLED.ordinal()].increment();
            } else {
                outcomes[outcome.ordinal()].increment();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Warm-ups waiting to run. */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Warm-ups running now: 0 or 1. */
    int running() {
        lock.lock();
        try {
            return running == null ? 0 : 1;
        } finally {
            lock.unlock();
        }
    }

    /** Warm-ups that ran to the end this way. */
    long done(Outcome outcome) {
        return outcomes[outcome.ordinal()].sum();
    }

    /** Warm-ups dropped for this reason. */
    long dropped(Drop reason) {
        return drops[reason.ordinal()].sum();
    }

    /** Takes no more warm-ups, cancels the running one and waits for its thread to end. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            if (running != null) {
                running.cancellation.cancel();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
