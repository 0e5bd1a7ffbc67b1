package dev.osprey.service;

import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.springframework.grpc.server.exception.GrpcExceptionHandler;
import org.springframework.grpc.server.exception.GrpcExceptionHandlerInterceptor;

/**
 * Spring gRPC's exception handler for every Osprey service ({@link GrpcErrorsAutoConfiguration}): what a
 * service method throws ends its call with {@link GrpcErrors}' status, so RPC methods catch nothing.
 * It classifies every failure (a bug is INTERNAL), so it never answers null.
 */
public final class GrpcErrorHandler implements GrpcExceptionHandler {

    /**
     * {@code service} behind Spring gRPC's exception interceptor with this handler, as the services run
     * it: for servers built without Spring (tests, benchmarks).
     */
    public static ServerServiceDefinition handling(BindableService service) {
        return ServerInterceptors.intercept(service, new GrpcExceptionHandlerInterceptor(new GrpcErrorHandler()));
    }

    @Override
    public StatusException handleException(Throwable exception) {
        StatusRuntimeException status = GrpcErrors.toStatus(exception);
        return status.getStatus().asException(status.getTrailers());
    }
}
