package dev.osprey.model.pipeline;

import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the prompt prefills that run at once. A prefill is compute-bound: on a few cores, more at
 * once only share them, so every one of them reaches its first token late (eight follow-ups arriving
 * together at 7B on two cores: each first token after about 11 s, instead of 1.4 s for the first
 * and later for the rest). The others wait in arrival order; one cancelled while it waits leaves
 * without prefilling. Thread-safe.
 */
final class PrefillGate {

    // How often a waiting question looks whether it was cancelled (a Cancellation has no listeners).
    private static final long RECHECK_MILLIS = 50;

    private final Semaphore turns;

    /** @param concurrent prefills at once, ≥ 1 */
    PrefillGate(int concurrent) {
        if (concurrent < 1) {
            throw OspreyException.badInput("prefills at once must be at least 1, got " + concurrent);
        }
        this.turns = new Semaphore(concurrent, true);
    }

    /**
     * Waits for a turn to prefill; follow a true with {@link #leave}.
     *
     * @return false, without a turn, if {@code cancellation} was cancelled first
     */
    boolean enter(Cancellation cancellation) {
        try {
            while (!turns.tryAcquire(RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                if (cancellation.cancelled()) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyException(Reason.CANCELLED, "interrupted while waiting to prefill", e);
        }
    }

    /** Gives the turn to the next waiting prefill. */
    void leave() {
        turns.release();
    }
}
