package dev.osprey.gateway.flow;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * gRPC async calls as Reactor publishers. Nothing is sent until subscription, and cancelling the
 * subscription (a client that disconnects, a stream cut short) cancels the gRPC call, so the backend
 * stops working for nobody.
 */
public final class GrpcReactive {

    private static final Logger log = LoggerFactory.getLogger(GrpcReactive.class);

    private GrpcReactive() {
    }

    /** A server-streaming call, e.g. {@code o -> stub.generate(request, o)}. */
    public static <T> Flux<T> stream(Consumer<StreamObserver<T>> call) {
        return Flux.create(sink -> call.accept(new ClientResponseObserver<Object, T>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Object> requests) {
                sink.onCancel(() -> cancel(requests));
            }

            @Override
            public void onNext(T value) {
                sink.next(value);
            }

            @Override
            public void onError(Throwable t) {
                sink.error(t);
            }

            @Override
            public void onCompleted() {
                sink.complete();
            }
        }));
    }

    /**
     * Cancels a call, best effort. A cancel that throws must not reach Reactor: cancellation often runs
     * while Reactor delivers another signal (a sibling call's error cancels this one), which the
     * exception would cut off, leaving the caller waiting for ever. grpc-java's in-process transport
     * throws when a call is cancelled while another thread is still starting it.
     */
    private static void cancel(ClientCallStreamObserver<?> requests) {
        try {
            requests.cancel("the caller cancelled", null);
        } catch (RuntimeException e) {
            log.debug("cancelling a gRPC call failed: {}", e.toString());
        }
    }
}
