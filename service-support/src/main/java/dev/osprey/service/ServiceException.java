package dev.osprey.service;

import dev.osprey.model.error.OspreyException;
import java.util.Optional;

/**
 * A service's failure as its caller should hear it: an {@link ErrorReason}, a message written for the
 * caller and, for a failure of another service (one that cannot be reached), that service's name. The
 * services' own errors beside the model's {@link OspreyException}, for what the model knows nothing of:
 * peers, queues, deadlines, credentials. {@link GrpcErrors} turns it into a status; the gateway's REST
 * API into an HTTP status.
 */
public class ServiceException extends RuntimeException {

    private final ErrorReason reason;
    private final String service;

    public ServiceException(ErrorReason reason, String message) {
        this(reason, null, message, null);
    }

    public ServiceException(ErrorReason reason, String message, Throwable cause) {
        this(reason, null, message, cause);
    }

    /** @param service the service this failure is about, when it is not the one reporting it; null otherwise */
    public ServiceException(ErrorReason reason, String service, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.service = service;
    }

    /**
     * A service that cannot be reached, named: UNAVAILABLE "{@code service} is unavailable". What the
     * gateway tells its clients (never a backend's address).
     */
    public static ServiceException unavailable(String service, Throwable cause) {
        return new ServiceException(ErrorReason.UNAVAILABLE, service, service + " is unavailable", cause);
    }

    /**
     * A service that cannot be reached, named with its address: UNAVAILABLE "{@code service} at
     * {@code address} is unavailable". For the internal hops, whose caller (the gateway) logs it.
     */
    public static ServiceException unavailable(String service, String address, Throwable cause) {
        return new ServiceException(ErrorReason.UNAVAILABLE, service, service + " at " + address + " is unavailable", cause);
    }

    public ErrorReason reason() {
        return reason;
    }

    /** The service this failure is about, when it is not the one that reports it. */
    public Optional<String> service() {
        return Optional.ofNullable(service);
    }
}
