/**
 * The public gRPC API, {@code osprey.v1.RegionService}: a thin shell over {@link dev.osprey.gateway.flow.RegionAsks},
 * with a request id on every call.
 */
package dev.osprey.gateway.grpc;
