package dev.osprey.model.decode;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The native memory of closed KV caches, kept for the next ones: a 7B cache is a gigabyte per
 * sequence, and mapping and first-touching that much again for every question cost seconds here.
 * A cache takes the smallest idle block that fits; what it leaves behind beyond the first
 * {@code length} positions of each row is never read (attention stops at each row's length), so
 * blocks are reused as they are. Idle blocks beyond the bound are let go, the longest idle first
 * (their memory returns to the system at the next collection). Thread-safe.
 */
final class KvPool {

    private final long maxIdleBytes;
    // Idle blocks, the most recently released last.
    private final Deque<KvMemory> idle = new ArrayDeque<>();
    private long idleBytes;

    /** @param maxIdleBytes how much memory closed caches may keep for later ones (0: none) */
    KvPool(long maxIdleBytes) {
        if (maxIdleBytes < 0) {
            throw new IllegalArgumentException("the idle KV bound must be ≥ 0, got " + maxIdleBytes);
        }
        this.maxIdleBytes = maxIdleBytes;
    }

    /** A block of at least {@code bytes}: an idle one if any fits, else a new one. */
    KvMemory take(long bytes) {
        synchronized (this) {
            KvMemory best = null;
            for (KvMemory block : idle) {
                if (block.bytes() >= bytes && (best == null || block.bytes() < best.bytes())) {
                    best = block;
                }
            }
            if (best != null) {
                idle.remove(best);
                idleBytes -= best.bytes();
                return best;
            }
        }
        return KvMemory.allocate(bytes);
    }

    /** Takes a block back for later caches, letting the longest idle ones go beyond the bound. */
    synchronized void give(KvMemory block) {
        idle.addLast(block);
        idleBytes += block.bytes();
        for (Iterator<KvMemory> it = idle.iterator(); it.hasNext() && idleBytes > maxIdleBytes; ) {
            KvMemory oldest = it.next();
            it.remove();
            idleBytes -= oldest.bytes();
        }
    }

    /** Bytes held by idle blocks. */
    synchronized long idleBytes() {
        return idleBytes;
    }

    /** Lets every idle block go. */
    synchronized void clear() {
        idle.clear();
        idleBytes = 0;
    }
}
