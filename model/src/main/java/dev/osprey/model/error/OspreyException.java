package dev.osprey.model.error;

/**
 * The model library's only exception: a {@link Reason} and a message that tells the user what is
 * wrong and, where possible, what to do ("mask 2 is 640x480, the image is 1024x768").
 */
public class OspreyException extends RuntimeException {

    private final Reason reason;

    public OspreyException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public OspreyException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Shorthand for a {@link Reason#BAD_INPUT} failure. */
    public static OspreyException badInput(String message) {
        return new OspreyException(Reason.BAD_INPUT, message);
    }

    /** Shorthand for a {@link Reason#BAD_CHECKPOINT} failure. */
    public static OspreyException badCheckpoint(String message) {
        return new OspreyException(Reason.BAD_CHECKPOINT, message);
    }
}
