package dev.osprey.model.fuzz;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.Supplier;

/**
 * Holds a call to a budget of heap allocation, counted by the JVM for the calling thread (HotSpot's
 * per-thread allocation counter): bytes allocated, not live, so the bound does not depend on when
 * the garbage collector runs.
 */
final class AllocationBound {

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllocationBound() {
    }

    /**
     * The result of {@code call}, or its exception, unless it allocated more than {@code maxBytes}:
     * then an {@link AssertionError} saying how much (with the call's own failure as its cause).
     */
    static <T> T of(long maxBytes, Supplier<T> call) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        T result;
        try {
            result = call.get();
        } catch (RuntimeException | Error e) {
            check(before, maxBytes, e);
            throw e;
        }
        check(before, maxBytes, null);
        return result;
    }

    private static void check(long before, long maxBytes, Throwable failure) {
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > maxBytes) {
            throw new AssertionError("allocated " + (allocated >> 20) + " MiB, the bound is " + (maxBytes >> 20) + " MiB", failure);
        }
    }
}
