package dev.osprey.service;

/**
 * The internal hops cannot be protected as configured (a bad token setting, or a backend listening
 * beyond loopback without a token): the service does not start. {@link InternalAccessFailureAnalyzer}
 * turns it into one paragraph.
 */
public final class InternalAccessException extends RuntimeException {

    public InternalAccessException(String message) {
        super(message);
    }

    public InternalAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
