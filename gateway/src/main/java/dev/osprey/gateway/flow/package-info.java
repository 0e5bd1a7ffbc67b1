/**
 * The request flow both APIs share, in plain Java over Reactor: {@link dev.osprey.gateway.flow.RegionAsks}
 * uploads, forgets and asks about images through the backends' gRPC stubs
 * ({@link dev.osprey.gateway.flow.Backends}, one call shape with its deadline), within the
 * {@link dev.osprey.gateway.flow.AskLimits}; {@link dev.osprey.gateway.flow.GrpcReactive} turns gRPC
 * streams into Flux and Mono and carries cancellation back.
 */
package dev.osprey.gateway.flow;
