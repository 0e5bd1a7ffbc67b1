package dev.osprey.service;

import dev.osprey.model.cache.CacheStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The same meters for every cache of every service, told apart by the tag {@code cache}:
 * {@code osprey.cache.requests} ({@code result}=hit|miss), {@code osprey.cache.evictions},
 * {@code osprey.cache.expirations}, {@code osprey.cache.bytes} and {@code osprey.cache.entries}.
 */
public final class CacheMeters {

    private CacheMeters() {
    }

    /** Registers {@code stats}' meters under {@code cache=name}. */
    public static void bind(MeterRegistry registry, String name, CacheStats stats) {
        FunctionCounter.builder("osprey.cache.requests", stats, CacheStats::hits).tags("cache", name, "result", "hit").register(registry);
        FunctionCounter.builder("osprey.cache.requests", stats, CacheStats::misses).tags("cache", name, "result", "miss").register(registry);
        FunctionCounter.builder("osprey.cache.evictions", stats, CacheStats::evictions).tag("cache", name).register(registry);
        FunctionCounter.builder("osprey.cache.expirations", stats, CacheStats::expirations).tag("cache", name).register(registry);
        Gauge.builder("osprey.cache.bytes", stats, CacheStats::bytes).baseUnit("bytes").tag("cache", name).register(registry);
        Gauge.builder("osprey.cache.entries", stats, CacheStats::size).tag("cache", name).register(registry);
    }
}
