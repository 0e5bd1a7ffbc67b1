package dev.osprey.service;

import dev.osprey.model.error.Reason;
import io.grpc.Status;

/**
 * Why a call failed, as every Osprey service says it: the {@code reason} of the google.rpc ErrorInfo in
 * a failed call's status (see {@link GrpcErrors}), with the gRPC code and the HTTP status that go with
 * it. The one table: backends answer with it, the gateway classifies backend failures by it and
 * answers REST requests with its HTTP status.
 */
public enum ErrorReason {
    /** The caller's input is wrong; the message names what to fix. */
    BAD_INPUT(Status.Code.INVALID_ARGUMENT, 400),
    /** No credentials, or wrong ones. */
    UNAUTHENTICATED(Status.Code.UNAUTHENTICATED, 401),
    /** Credentials that do not allow this (an encoder that is not a configured replica). */
    PERMISSION_DENIED(Status.Code.PERMISSION_DENIED, 403),
    /** Something referred to by id is not known (any more). */
    NOT_FOUND(Status.Code.NOT_FOUND, 404),
    /** Over a rate limit, or a queue is full: retry later. */
    RESOURCE_EXHAUSTED(Status.Code.RESOURCE_EXHAUSTED, 429),
    /** A service (or the model server behind it) cannot be reached. */
    UNAVAILABLE(Status.Code.UNAVAILABLE, 503),
    /** The call was cancelled while it ran; a backend that cancels is shutting down, as good as unavailable. */
    CANCELLED(Status.Code.CANCELLED, 503),
    /** The call ran out of time. */
    DEADLINE_EXCEEDED(Status.Code.DEADLINE_EXCEEDED, 504),
    /** A feature this deployment does not have (e.g. segmentation with a model bundle without SAM); the message names it. */
    NOT_IMPLEMENTED(Status.Code.UNIMPLEMENTED, 501),
    /** A bug or an environment failure. */
    INTERNAL(Status.Code.INTERNAL, 500);

    private final Status.Code code;
    private final int httpStatus;

    ErrorReason(Status.Code code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    /** The gRPC code of a call that fails for this reason. */
    public Status.Code code() {
        return code;
    }

    /** The HTTP status of a REST request that fails for this reason. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The reason of a model failure. */
    public static ErrorReason of(Reason reason) {
        return switch (reason) {
            case BAD_INPUT -> BAD_INPUT;
            case NOT_FOUND -> NOT_FOUND;
            case UNAVAILABLE -> UNAVAILABLE;
            case CANCELLED -> CANCELLED;
            case BAD_CHECKPOINT, BAD_BUNDLE, INTERNAL -> INTERNAL;
        };
    }

    /** The reason of a status that carries none of ours (a transport failure, another server), by its code. */
    public static ErrorReason of(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> BAD_INPUT;
            case UNAUTHENTICATED -> UNAUTHENTICATED;
            case PERMISSION_DENIED -> PERMISSION_DENIED;
            case NOT_FOUND -> NOT_FOUND;
            case RESOURCE_EXHAUSTED -> RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> UNAVAILABLE;
            case CANCELLED -> CANCELLED;
            case DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED;
            case UNIMPLEMENTED -> NOT_IMPLEMENTED;
            default -> INTERNAL;
        };
    }
}
