package dev.osprey.encoder.features;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * At most a fixed number of some costly work at once (image decodes, SAM embeddings); the others wait
 * their turn in arrival order. Thread-safe.
 */
public final class Turns {

    private final Semaphore turns;
    private final String work;

    /**
     * @param concurrent the work at once, ≥ 1
     * @param work       what is waited for, as in "interrupted while waiting to {@code work}"
     */
    public Turns(int concurrent, String work) {
        if (concurrent < 1) {
            throw new IllegalArgumentException("at least one turn to " + work + " is needed, got " + concurrent);
        }
        this.turns = new Semaphore(concurrent, true);
        this.work = work;
    }

    /** Does {@code task} once it has a turn. */
    public <T> T inTurn(Supplier<T> task) {
        try {
            turns.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyException(Reason.UNAVAILABLE, "interrupted while waiting to " + work, e);
        }
        try {
            return task.get();
        } finally {
            turns.release();
        }
    }

    /** How many wait for a turn. */
    public int queueDepth() {
        return turns.getQueueLength();
    }
}
