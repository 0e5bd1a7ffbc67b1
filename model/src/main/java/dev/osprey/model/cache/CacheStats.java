package dev.osprey.model.cache;

/** What a cache tells about itself, for metrics: requests that hit or missed, what left it, what it holds. */
public interface CacheStats {

    long hits();

    long misses();

    /** Values dropped to stay within the bound. */
    long evictions();

    /** Values dropped after the idle TTL. */
    long expirations();

    /** The weight of the values held. */
    long bytes();

    /** The number of values held. */
    int size();
}
