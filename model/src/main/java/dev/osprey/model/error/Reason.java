package dev.osprey.model.error;

/** Why an operation failed; services map each reason to one status code. */
public enum Reason {
    /** The caller's input is wrong (image, mask, prompt, flag); the message says what to fix. */
    BAD_INPUT,
    /** A checkpoint is missing files or keys, has unexpected keys or an unsupported format. */
    BAD_CHECKPOINT,
    /** A model bundle is missing, incomplete or from an incompatible version. */
    BAD_BUNDLE,
    /** Something referred to by id (an image, a model) is not known (any more). */
    NOT_FOUND,
    /** A backend the operation needs (a model server, a peer service) cannot be reached. */
    UNAVAILABLE,
    /** The caller cancelled the operation (or its deadline passed) while it ran. */
    CANCELLED,
    /** A bug or an environment failure (I/O, native runtime). */
    INTERNAL
}
