package dev.osprey.service;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;

/**
 * Lets a call through only when it carries the internal token: every RPC of a backend (its
 * {@code osprey.internal.v1} service, and server reflection, which describes it) except the standard
 * health check, which probes and load balancers call without credentials. A refused call ends with
 * UNAUTHENTICATED before its handler runs, carrying our ErrorInfo as every other failure does (see
 * {@link GrpcErrors}), so a caller classifies it by reason; the message says what was wrong, never
 * what was expected.
 */
public final class InternalTokenInterceptor implements ServerInterceptor {

    private final InternalToken token;

    public InternalTokenInterceptor(InternalToken token) {
        this.token = token;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String presented = headers.get(InternalToken.HEADER);
        if (!token.matches(presented)) {
            StatusRuntimeException refusal = GrpcErrors.toStatus(new ServiceException(ErrorReason.UNAUTHENTICATED,
                    presented == null ? "internal token missing" : "internal token invalid"));
            call.close(refusal.getStatus(), refusal.getTrailers());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }
}
