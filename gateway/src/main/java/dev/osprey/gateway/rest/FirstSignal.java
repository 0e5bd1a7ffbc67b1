package dev.osprey.gateway.rest;

import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Waits for a stream's first signal before answering: an error that comes before any event (a bad
 * region, an unknown image, a full queue) becomes the HTTP status of the response, while a stream
 * that has started is relayed as it comes. Cancelling the returned stream cancels the source (events
 * emitted after that are dropped: nobody reads them).
 */
public final class FirstSignal {

    private FirstSignal() {
    }

    /** Completes with the whole stream once its first event (or its end) has arrived; fails with its early error. */
    public static <T> Mono<Flux<T>> await(Flux<T> source) {
        return Mono.create(result -> {
            Sinks.Many<T> rest = Sinks.many().unicast().onBackpressureBuffer();
            AtomicBoolean answered = new AtomicBoolean();
            Disposable.Swap subscription = Disposables.swap();
            Flux<T> relayed = rest.asFlux().doOnCancel(subscription::dispose);
            result.onCancel(() -> {
                if (!answered.get()) {
                    subscription.dispose();
                }
            });
            subscription.update(source.subscribe(
                    value -> {
                        rest.tryEmitNext(value);
                        if (answered.compareAndSet(false, true)) {
                            result.success(relayed);
                        }
                    },
                    failure -> {
                        if (answered.compareAndSet(false, true)) {
                            result.error(failure);
                        } else {
                            rest.tryEmitError(failure);
                        }
                    },
                    () -> {
                        rest.tryEmitComplete();
                        if (answered.compareAndSet(false, true)) {
                            result.success(relayed);
                        }
                    }));
        });
    }
}
