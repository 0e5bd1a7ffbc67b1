package dev.osprey.model.onnx;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Lets a model's ONNX Runtime runs and its close take turns. Closing a session frees its native memory
 * whatever still runs in it, and that run, or a read of its results, then crashes the JVM (SIGSEGV;
 * SessionRunsTest's JVM did), as a service shutting down under a call longer than its grace period
 * would. So the close waits for the runs in flight, and a run after it fails with an UNAVAILABLE error
 * that names the model. Runs still go on at once.
 */
public final class SessionRuns {

    /** Work with a session. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T call() throws E;
    }

    /** A session's close. */
    @FunctionalInterface
    public interface Closing<E extends Exception> {
        void close() throws E;
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String model;
    // Written under the write lock, read under the read lock.
    private boolean closed;

    /** @param model what the session runs, for the error of a run after close */
    public SessionRuns(String model) {
        this.model = model;
    }

    /**
     * Does {@code run} (a run and the reading of its results), unless the session is closed.
     *
     * @throws OspreyException UNAVAILABLE once closed
     */
    public <T, E extends Exception> T run(Work<T, E> run) throws E {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new OspreyException(Reason.UNAVAILABLE, model + " is closed: the service is shutting down");
            }
            return run.call();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Waits for the runs in flight, then does {@code close} (once: a second close does nothing). */
    public <E extends Exception> void close(Closing<E> close) throws E {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                close.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
