/**
 * The gateway: the public REST/SSE ({@link dev.osprey.gateway.rest}) and gRPC
 * ({@link dev.osprey.gateway.grpc}) APIs over one request flow ({@link dev.osprey.gateway.flow}),
 * behind API keys and rate limits ({@link dev.osprey.gateway.access}), with every call about one image
 * routed to the same replicas ({@link dev.osprey.gateway.routing}). It holds no model weights.
 */
package dev.osprey.gateway;
