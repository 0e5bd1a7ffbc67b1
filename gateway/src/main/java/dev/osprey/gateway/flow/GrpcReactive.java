package dev.osprey.gateway.flow;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;

/**
 * gRPC async calls as Reactor publishers. Nothing is sent until subscription, and cancelling the
 * subscription (a client that disconnects, a stream cut short) cancels the gRPC call, so the backend
 * stops working for nobody.
 */
public final class GrpcReactive {

    private GrpcReactive() {
    }

    /** A server-streaming call, e.g. {@code o -> stub.generate(request, o)}. */
    public static <T> Flux<T> stream(Consumer<StreamObserver<T>> call) {
        return Flux.create(sink -> call.accept(new ClientResponseObserver<Object, T>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Object> requests) {
                sink.onCancel(() -> requests.cancel("the caller cancelled", null));
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
}
