/**
 * The public REST/SSE API and the web demo's calls: controllers over {@link dev.osprey.gateway.flow.RegionAsks},
 * request bodies and responses as JSON, answers as server-sent events whose HTTP status waits for the
 * first event ({@link dev.osprey.gateway.rest.FirstSignal}), and errors as JSON problems
 * ({@link dev.osprey.gateway.rest.ApiErrorHandler}).
 */
package dev.osprey.gateway.rest;
