package dev.osprey.service;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Whether the caller of the gRPC call running now still waits for its answer. */
public final class CallerWaiting {

    private CallerWaiting() {
    }

    /**
     * Throws when the caller has gone (cancelled, or its deadline passed) before the work starts, so
     * nothing is decoded or computed for nobody: DEADLINE_EXCEEDED or CANCELLED.
     */
    public static void require() {
        Context context = Context.current();
        if (!context.isCancelled()) {
            return;
        }
        Deadline deadline = context.getDeadline();
        if (deadline != null && deadline.isExpired()) {
            throw new ServiceException(ErrorReason.DEADLINE_EXCEEDED, "the call's deadline passed before it started");
        }
        throw new ServiceException(ErrorReason.CANCELLED, "the call was cancelled before it started");
    }

    /**
     * Answers a unary call with what {@code call} makes, unless its caller has gone ({@link #require});
     * what either throws ends the call through the service's exception handler.
     */
    public static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
        require();
        response.onNext(call.get());
        response.onCompleted();
    }
}
