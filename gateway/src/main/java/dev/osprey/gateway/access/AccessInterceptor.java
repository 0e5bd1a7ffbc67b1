package dev.osprey.gateway.access;

import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.service.GrpcErrors;
import dev.osprey.service.ServiceException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * {@link Access} for the public gRPC service, whose calls then run with their {@link Tenant} in the
 * gRPC {@link Context}; health and reflection stay open.
 */
public final class AccessInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Tenant> TENANT = Context.key("osprey-tenant");

    private final Access access;

    public AccessInterceptor(Access access) {
        this.access = access;
    }

    /** The tenant of the call running in the current context; fails in a call this interceptor did not admit. */
    public static Tenant tenant() {
        Tenant tenant = TENANT.get();
        if (tenant == null) {
            throw new IllegalStateException("no access check admitted this call");
        }
        return tenant;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!RegionServiceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        Tenant tenant;
        try {
            tenant = access.admit(headers.get(AUTHORIZATION), headers.get(API_KEY), peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
        } catch (ServiceException e) {
            StatusRuntimeException refused = GrpcErrors.toStatus(e);
            call.close(refused.getStatus(), refused.getTrailers());
            return new ServerCall.Listener<>() { };
        }
        return Contexts.interceptCall(Context.current().withValue(TENANT, tenant), call, headers, next);
    }

    private static String peer(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(address);
    }
}
