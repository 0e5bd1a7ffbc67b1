package dev.osprey.service;

import dev.osprey.model.error.OspreyException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns any failure of a model stage into the gRPC status a caller can act on. Messages of our own
 * errors go to the caller as they are (they name what is wrong); anything else is a bug: it is logged
 * with its stack trace and the caller sees INTERNAL "internal error", never a class name or a trace.
 */
public final class GrpcErrors {

    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    /** The status for {@code failure}; a status exception (e.g. from a peer service) passes through. */
    public static StatusRuntimeException toStatus(Throwable failure) {
        return switch (failure) {
            case StatusRuntimeException e -> e;
            case StatusException e -> e.getStatus().asRuntimeException(e.getTrailers());
            case OspreyException e -> status(e).withDescription(e.getMessage()).asRuntimeException();
            default -> {
                if (failure.getCause() instanceof OspreyException || failure.getCause() instanceof StatusRuntimeException) {
                    yield toStatus(failure.getCause());
                }
                log.error("internal error", failure);
                yield Status.INTERNAL.withDescription("internal error").asRuntimeException();
            }
        };
    }

    private static Status status(OspreyException e) {
        return switch (e.reason()) {
            case BAD_INPUT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case CANCELLED -> Status.CANCELLED;
            case BAD_CHECKPOINT, BAD_BUNDLE, INTERNAL -> {
                log.error("internal error", e);
                yield Status.INTERNAL;
            }
        };
    }
}
