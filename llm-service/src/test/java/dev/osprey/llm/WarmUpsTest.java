package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.osprey.model.decode.Cancellation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The warm-up queue alone, with warm-ups that record themselves: one at a time, oldest first, only
 * while no question is busy; the oldest dropped when full; an image's warm-up cancelled by forget.
 */
class WarmUpsTest {

    static final Duration LONG = Duration.ofMinutes(1);

    final AtomicBoolean questionsBusy = new AtomicBoolean();
    final List<String> ran = new CopyOnWriteArrayList<>();
    WarmUps warmUps;

    @AfterEach
    void close() {
        warmUps.close();
    }

    @Test
    void warmUpsWaitWhileQuestionsAreBusyThenRunOldestFirstAndAreCounted() {
        warmUps = new WarmUps(4, questionsBusy::get);
        questionsBusy.set(true);
        for (String image : List.of("a", "b", "c")) {
            assertThat(warmUps.offer(image, recording(image, true))).isTrue();
        }
        assertThat(warmUps.offer("b", recording("b again", true))).as("an image queued once").isTrue();
        assertThat(warmUps.queued()).isEqualTo(3);
        assertThat(ran).as("nothing runs while questions are busy").isEmpty();

        questionsBusy.set(false);
        warmUps.questionsChanged();
        await().atMost(LONG).until(() -> warmUps.done(WarmUps.Outcome.COMPUTED) == 3);
        assertThat(ran).containsExactly("a", "b", "c");
        assertThat(warmUps.queued()).isZero();
        assertThat(warmUps.running()).isZero();
        assertThat(warmUps.dropped(WarmUps.Drop.FULL)).isZero();
    }

    @Test
    void aFullQueueDropsItsOldestWarmUp() {
        warmUps = new WarmUps(2, questionsBusy::get);
        questionsBusy.set(true);
        for (String image : List.of("a", "b", "c")) {
            warmUps.offer(image, recording(image, true));
        }
        assertThat(warmUps.queued()).isEqualTo(2);
        assertThat(warmUps.dropped(WarmUps.Drop.FULL)).isOne();

        questionsBusy.set(false);
        warmUps.questionsChanged();
        await().atMost(LONG).until(() -> warmUps.done(WarmUps.Outcome.COMPUTED) == 2);
        assertThat(ran).containsExactly("b", "c");
    }

    @Test
    void forgetCancelsAQueuedWarmUpAndTheRunningOneAndOnlyThoseOfItsImage() throws InterruptedException {
        warmUps = new WarmUps(4, questionsBusy::get);
        CountDownLatch started = new CountDownLatch(1);
        warmUps.offer("running", cancellation -> {
            started.countDown();
            // Stands in for a decoder run, which a cancel ends.
            while (!cancellation.cancelled()) {
                Thread.onSpinWait();
            }
            return false;
        });
        assertThat(started.await(1, TimeUnit.MINUTES)).isTrue();
        warmUps.offer("queued", recording("queued", true));
        warmUps.offer("kept", recording("kept", false));

        assertThat(warmUps.forget("queued")).isTrue();
        assertThat(warmUps.forget("running")).isTrue();
        assertThat(warmUps.forget("never offered")).isFalse();

        await().atMost(LONG).until(() -> warmUps.done(WarmUps.Outcome.CACHED) == 1);
        assertThat(ran).containsExactly("kept");
        assertThat(warmUps.dropped(WarmUps.Drop.CANCELLED)).isEqualTo(2);
        assertThat(warmUps.done(WarmUps.Outcome.COMPUTED)).isZero();
    }

    @Test
    void aFailedWarmUpIsCountedAndTheNextOneStillRuns() {
        warmUps = new WarmUps(4, questionsBusy::get);
        warmUps.offer("bad", cancellation -> {
            throw new IllegalStateException("encoder down");
        });
        warmUps.offer("good", recording("good", true));
        await().atMost(LONG).until(() -> warmUps.done(WarmUps.Outcome.COMPUTED) == 1);
        assertThat(warmUps.done(WarmUps.Outcome.FAILED)).isOne();
    }

    @Test
    void aQueueOfSizeZeroTakesNothing() {
        warmUps = new WarmUps(0, questionsBusy::get);
        assertThat(warmUps.offer("a", recording("a", true))).isFalse();
        assertThat(warmUps.queued()).isZero();
    }

    @Test
    void closingCancelsTheRunningWarmUpAndTakesNoMore() throws InterruptedException {
        warmUps = new WarmUps(4, questionsBusy::get);
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean sawCancel = new AtomicBoolean();
        warmUps.offer("a", cancellation -> {
            started.countDown();
            while (!cancellation.cancelled()) {
                Thread.onSpinWait();
            }
            sawCancel.set(true);
            return false;
        });
        assertThat(started.await(1, TimeUnit.MINUTES)).isTrue();
        warmUps.close();
        assertThat(sawCancel).isTrue();
        assertThat(warmUps.offer("b", recording("b", true))).isFalse();
    }

    private WarmUps.Warm recording(String name, boolean computed) {
        return (Cancellation cancellation) -> {
            ran.add(name);
            return computed;
        };
    }
}
