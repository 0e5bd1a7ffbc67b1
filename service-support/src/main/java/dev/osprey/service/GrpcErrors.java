package dev.osprey.service;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.osprey.model.error.OspreyException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures and gRPC statuses, both ways. A failure becomes a status carrying a google.rpc ErrorInfo
 * (domain {@value #DOMAIN}, reason an {@link ErrorReason}, metadata {@value #SERVICE} naming the service
 * the failure is about when it is not the one answering); a failed call's status becomes a
 * {@link ServiceException} again, classified by that ErrorInfo, or by its code where a transport
 * failure or another server left none. Messages of our own errors go to the caller as they are (they
 * name what is wrong); anything else is a bug: it is logged with its stack trace and the caller sees
 * INTERNAL "internal error", never a class name or a trace.
 */
public final class GrpcErrors {

    /** The ErrorInfo domain of every Osprey service. */
    public static final String DOMAIN = "osprey.dev";
    /** The ErrorInfo metadata key naming the service a failure is about. */
    public static final String SERVICE = "service";

    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    /**
     * The status for {@code failure}; a status exception (e.g. from a peer service) passes through with
     * a copy of its trailers, since gRPC consumes a call's trailers as it writes them and one failure
     * may end many calls (every request that waited on the same load).
     */
    public static StatusRuntimeException toStatus(Throwable failure) {
        return switch (failure) {
            case StatusRuntimeException e -> withOwnTrailers(e.getStatus(), e.getTrailers());
            case StatusException e -> withOwnTrailers(e.getStatus(), e.getTrailers());
            case ServiceException e -> status(e.reason(), e.getMessage(), e.service());
            case OspreyException e -> {
                ErrorReason reason = ErrorReason.of(e.reason());
                if (reason == ErrorReason.INTERNAL) {
                    log.error("internal error", e);
                }
                yield status(reason, e.getMessage(), Optional.empty());
            }
            default -> {
                Throwable cause = failure.getCause();
                if (cause instanceof OspreyException || cause instanceof ServiceException || cause instanceof StatusRuntimeException) {
                    yield toStatus(cause);
                }
                log.error("internal error", failure);
                yield status(ErrorReason.INTERNAL, "internal error", Optional.empty());
            }
        };
    }

    /**
     * What a failed call's status says: the reason and service of our ErrorInfo when the peer sent one,
     * else the reason its code stands for; the message is the status description. The status is the
     * cause.
     */
    public static ServiceException fromStatus(StatusRuntimeException failure) {
        Status status = failure.getStatus();
        String message = status.getDescription() != null ? status.getDescription() : status.getCode().name().toLowerCase(Locale.ROOT);
        Optional<ErrorInfo> info = errorInfo(failure);
        ErrorReason reason = info.flatMap(GrpcErrors::reason).orElseGet(() -> closedUnderTheCall(status) ? ErrorReason.UNAVAILABLE
                : ErrorReason.of(status.getCode()));
        String service = info.map(i -> i.getMetadataOrDefault(SERVICE, null)).orElse(null);
        return new ServiceException(reason, service, message, failure);
    }

    private static StatusRuntimeException withOwnTrailers(Status status, Metadata trailers) {
        Metadata own = new Metadata();
        if (trailers != null) {
            own.merge(trailers);
        }
        return status.asRuntimeException(own);
    }

    /**
     * Whether the connection went away under a call: gRPC's Netty transport reports a write on a channel
     * the peer closed (a backend killed mid-call) as UNKNOWN "channel closed", not UNAVAILABLE, though
     * it is the same failure. Only a status made on this side carries the cause; a peer's UNKNOWN never does.
     */
    private static boolean closedUnderTheCall(Status status) {
        return status.getCode() == Status.Code.UNKNOWN && status.getCause() instanceof ClosedChannelException;
    }

    private static StatusRuntimeException status(ErrorReason reason, String message, Optional<String> service) {
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(reason.name()).setDomain(DOMAIN);
        service.ifPresent(name -> info.putMetadata(SERVICE, name));
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder().setCode(reason.code().value())
                .setMessage(message).addDetails(Any.pack(info.build())).build());
    }

    private static Optional<ErrorInfo> errorInfo(StatusRuntimeException failure) {
        com.google.rpc.Status details = StatusProto.fromThrowable(failure);
        if (details == null) {
            return Optional.empty();
        }
        for (Any detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    ErrorInfo info = detail.unpack(ErrorInfo.class);
                    if (DOMAIN.equals(info.getDomain())) {
                        return Optional.of(info);
                    }
                } catch (InvalidProtocolBufferException e) {
                    log.debug("a status detail that is no ErrorInfo: {}", e.getMessage());
                }
            }
        }
        return Optional.empty();
    }

    // A reason this service does not know (a newer peer's) leaves the status code to classify the failure.
    private static Optional<ErrorReason> reason(ErrorInfo info) {
        return Arrays.stream(ErrorReason.values()).filter(reason -> reason.name().equals(info.getReason())).findFirst();
    }
}
