package dev.osprey.gateway.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every gRPC call an id, as the REST API does: the client's {@code x-request-id} when it is a
 * plausible one, else a new UUID; sent back in the response headers and named in the gateway's log
 * line when the call fails.
 */
public final class RequestIdInterceptor implements ServerInterceptor {

    static final Context.Key<String> REQUEST_ID = Context.key("osprey-request-id");
    private static final Metadata.Key<String> HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Pattern PLAUSIBLE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** The id of the call running in the current context ("-" outside one). */
    static String current() {
        String id = REQUEST_ID.get();
        return id != null ? id : "-";
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String given = headers.get(HEADER);
        String id = given != null && PLAUSIBLE.matcher(given).matches() ? given : UUID.randomUUID().toString();
        ServerCall<Q, R> withHeader = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(HEADER, id);
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(io.grpc.Status status, Metadata trailers) {
                // A call that fails before any header carries the id in its trailers.
                if (!status.isOk()) {
                    trailers.put(HEADER, id);
                }
                super.close(status, trailers);
            }
        };
        return Contexts.interceptCall(Context.current().withValue(REQUEST_ID, id), withHeader, headers, next);
    }
}
