/**
 * Bounded in-memory caches shared by the model and the services:
 * {@link dev.osprey.model.cache.LruLoadingCache} keeps values up to a total weight in bytes, least
 * recently used out first, optionally forgetting values idle for too long, and computes a missing
 * value once however many threads ask for it.
 */
package dev.osprey.model.cache;
