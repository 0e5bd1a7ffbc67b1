package dev.osprey.gateway.rest;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * A stream answered once its first signal is known: an early error is the answer's error (an HTTP
 * status), a stream that has started is relayed whole, later errors included; whoever stops listening,
 * before or after the start, cancels the source.
 */
class FirstSignalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final TestPublisher<String> source = TestPublisher.create();

    @Test
    void anErrorBeforeAnyEventIsTheAnswersError() {
        StepVerifier.create(FirstSignal.await(source.flux())).then(() -> source.error(new IllegalStateException("unknown image")))
                .expectErrorMessage("unknown image").verify(PATIENCE);
    }

    @Test
    void theAnswerWaitsForTheFirstEventThenRelaysEveryEventAndALaterError() {
        // Virtual time: an hour without a signal passes at once, and nothing may be answered in it.
        StepVerifier.withVirtualTime(() -> FirstSignal.await(source.flux())).expectSubscription()
                .expectNoEvent(Duration.ofHours(1))
                .then(() -> source.next("first"))
                .assertNext(relayed -> StepVerifier.create(relayed).expectNext("first")
                        .then(() -> source.next("second").error(new IllegalStateException("backend gone")))
                        .expectNext("second").expectErrorMessage("backend gone").verify(PATIENCE))
                .expectComplete().verify(PATIENCE);
    }

    @Test
    void eventsSentBeforeTheRelayIsSubscribedAreKept() {
        Flux<String> started = FirstSignal.await(Flux.just("a", "b", "c")).block(PATIENCE);

        StepVerifier.create(started).expectNext("a", "b", "c").expectComplete().verify(PATIENCE);
    }

    @Test
    void anEmptyStreamIsAnsweredWithAnEmptyRelay() {
        StepVerifier.create(FirstSignal.await(Flux.<String>empty()).flatMapMany(relayed -> relayed)).expectComplete().verify(PATIENCE);
    }

    @Test
    void leavingBeforeTheFirstEventCancelsTheSource() {
        StepVerifier.create(FirstSignal.await(source.flux())).expectSubscription().thenCancel().verify(PATIENCE);

        source.assertCancelled();
    }

    @Test
    void leavingTheRelayCancelsTheSource() {
        Mono<Flux<String>> answer = FirstSignal.await(source.flux());
        source.assertNoSubscribers();
        StepVerifier.create(answer.flatMapMany(relayed -> relayed)).then(() -> source.next("first")).expectNext("first").thenCancel()
                .verify(PATIENCE);

        source.assertCancelled();
    }
}
